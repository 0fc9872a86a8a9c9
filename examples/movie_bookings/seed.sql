-- =====================================================================================
-- Movie booking CDC pipeline, FAITHFUL TO THE SEED DOCUMENT (teaching copy, do not use).
--
-- This is the pipeline exactly as the original "movie-booking-cdc-snowflake-streamlit"
-- document describes it, flaws included, so a workshop can show what Snowflake really
-- does with it:
--   * the silver table is built from change EVENTS, so a booking that was updated once
--     appears three times (the original INSERT, then the DELETE + INSERT pair that a
--     stream emits for an UPDATE), and gold counts events, not bookings;
--   * `change_action = 'UPDATE'` never matches: a stream only emits INSERT and DELETE
--     (an update is the pair with METADATA$ISUPDATE = TRUE);
--   * the silver filter drops rows with a missing customer before validation, so the
--     data-quality score cannot see them;
--   * both dynamic tables have TARGET_LAG = DOWNSTREAM and nothing downstream of gold has
--     a time-based lag, so neither table ever refreshes on its own: only a manual
--     ALTER DYNAMIC TABLE ... REFRESH (as the seed's "Manual refresh" section shows) does.
-- The corrected pipeline is pipeline.sql; README.md explains the difference.
-- Sample rows live in sample_data.sql, the seed's monitoring queries in monitoring.sql.
-- =====================================================================================

-- Source table (Bronze): bookings as the booking application writes them.
CREATE OR REPLACE TABLE raw_movie_bookings (
    booking_id STRING,
    customer_id STRING,
    movie_id STRING,
    booking_date TIMESTAMP,
    status STRING,                        -- BOOKED, CANCELLED
    ticket_count INT,
    ticket_price NUMBER(10, 2),
    total_amount NUMBER(10, 2) AS (ticket_count * ticket_price),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP(),
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP()
);

-- Stream: captures every change to the source table.
CREATE OR REPLACE STREAM movie_bookings_stream ON TABLE raw_movie_bookings;

-- CDC events table (Bronze): raw stream data plus change metadata.
CREATE OR REPLACE TABLE movie_booking_cdc_events (
    booking_id STRING,
    customer_id STRING,
    movie_id STRING,
    booking_date TIMESTAMP,
    status STRING,
    ticket_count INT,
    ticket_price NUMBER(10, 2),
    total_amount NUMBER(10, 2),
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    change_action STRING,                 -- INSERT, UPDATE, DELETE (the seed's belief)
    is_update BOOLEAN,
    change_timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP()
);

-- Task: every minute, move the stream's rows into the CDC events table.
CREATE OR REPLACE TASK consume_stream_task
    WAREHOUSE = COMPUTE_WH
    SCHEDULE = '1 MINUTE'
AS
    INSERT INTO movie_booking_cdc_events (
        booking_id, customer_id, movie_id, booking_date, status, ticket_count, ticket_price,
        total_amount, created_at, updated_at, change_action, is_update, change_timestamp
    )
    SELECT
        booking_id, customer_id, movie_id, booking_date, status, ticket_count, ticket_price,
        total_amount, created_at, updated_at,
        METADATA$ACTION, METADATA$ISUPDATE, CURRENT_TIMESTAMP()
    FROM movie_bookings_stream
    WHERE METADATA$ACTION IS NOT NULL;

ALTER TASK consume_stream_task RESUME;

-- Silver: every CDC event with derived fields (one row per EVENT, not per booking).
CREATE OR REPLACE DYNAMIC TABLE movie_bookings_filtered
    TARGET_LAG = DOWNSTREAM
    WAREHOUSE = COMPUTE_WH
AS
SELECT
    booking_id, customer_id, movie_id, booking_date, status,
    ticket_count, ticket_price, total_amount, created_at, updated_at,
    change_action, is_update, change_timestamp,
    CASE
        WHEN status = 'BOOKED' THEN 'ACTIVE'
        WHEN status = 'CANCELLED' THEN 'INACTIVE'
    END AS booking_status_category,
    CASE
        WHEN ticket_count = 1 THEN 'SINGLE'
        WHEN ticket_count BETWEEN 2 AND 4 THEN 'GROUP'
        WHEN ticket_count >= 5 THEN 'LARGE_GROUP'
    END AS booking_size_category,
    CASE
        WHEN ticket_price < 10 THEN 'BUDGET'
        WHEN ticket_price BETWEEN 10 AND 20 THEN 'STANDARD'
        WHEN ticket_price > 20 THEN 'PREMIUM'
    END AS price_category,
    CASE WHEN status = 'BOOKED' THEN total_amount ELSE 0 END AS active_revenue,
    CASE WHEN status = 'CANCELLED' THEN total_amount ELSE 0 END AS lost_revenue,
    CASE
        WHEN booking_id IS NULL OR customer_id IS NULL OR movie_id IS NULL THEN FALSE
        WHEN ticket_count <= 0 OR ticket_price <= 0 THEN FALSE
        ELSE TRUE
    END AS is_valid_booking,
    DATE(booking_date) AS booking_date_only,
    HOUR(booking_date) AS booking_hour,
    DAYOFWEEK(booking_date) AS day_of_week
FROM movie_booking_cdc_events
WHERE booking_id IS NOT NULL AND customer_id IS NOT NULL;

-- Gold: per-movie analytics aggregated from the silver EVENTS.
CREATE OR REPLACE DYNAMIC TABLE movie_booking_insights
    TARGET_LAG = DOWNSTREAM
    WAREHOUSE = COMPUTE_WH
AS
SELECT
    movie_id,
    COUNT(*) AS total_bookings,
    COUNT(CASE WHEN is_valid_booking THEN 1 END) AS valid_bookings,
    COUNT(CASE WHEN NOT is_valid_booking THEN 1 END) AS invalid_bookings,
    SUM(active_revenue) AS total_active_revenue,
    SUM(lost_revenue) AS total_lost_revenue,
    SUM(total_amount) AS gross_revenue,
    COUNT(CASE WHEN booking_status_category = 'ACTIVE' THEN 1 END) AS active_bookings,
    COUNT(CASE WHEN booking_status_category = 'INACTIVE' THEN 1 END) AS cancelled_bookings,
    COUNT(CASE WHEN booking_size_category = 'SINGLE' THEN 1 END) AS single_bookings,
    COUNT(CASE WHEN booking_size_category = 'GROUP' THEN 1 END) AS group_bookings,
    COUNT(CASE WHEN booking_size_category = 'LARGE_GROUP' THEN 1 END) AS large_group_bookings,
    COUNT(CASE WHEN price_category = 'BUDGET' THEN 1 END) AS budget_bookings,
    COUNT(CASE WHEN price_category = 'STANDARD' THEN 1 END) AS standard_bookings,
    COUNT(CASE WHEN price_category = 'PREMIUM' THEN 1 END) AS premium_bookings,
    COUNT(CASE WHEN change_action = 'INSERT' THEN 1 END) AS new_bookings,
    COUNT(CASE WHEN change_action = 'UPDATE' THEN 1 END) AS status_changes,
    COUNT(CASE WHEN change_action = 'DELETE' THEN 1 END) AS deletions,
    ROUND(COUNT(CASE WHEN booking_status_category = 'INACTIVE' THEN 1 END) * 100.0
          / NULLIF(COUNT(*), 0), 2) AS cancellation_rate_percent,
    ROUND(COUNT(CASE WHEN booking_status_category = 'ACTIVE' THEN 1 END) * 100.0
          / NULLIF(COUNT(*), 0), 2) AS active_rate_percent,
    ROUND(SUM(active_revenue)
          / NULLIF(COUNT(CASE WHEN booking_status_category = 'ACTIVE' THEN 1 END), 0), 2)
        AS avg_revenue_per_active_booking,
    COUNT(DISTINCT booking_date_only) AS booking_days,
    COUNT(DISTINCT booking_hour) AS active_hours,
    ROUND(COUNT(CASE WHEN is_valid_booking THEN 1 END) * 100.0
          / NULLIF(COUNT(*), 0), 2) AS data_quality_score
FROM movie_bookings_filtered
GROUP BY movie_id;
