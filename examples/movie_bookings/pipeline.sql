-- =====================================================================================
-- Movie booking CDC pipeline, CORRECTED (the one the dashboard and `cdcsim demo` use).
--
-- Valid Snowflake SQL: deploy this same file to a Snowflake account (it needs a warehouse
-- called COMPUTE_WH, or edit the WAREHOUSE lines). Sample rows are in sample_data.sql.
--
-- Differences from the seed (seed.sql), explained in README.md:
--   * silver = the CURRENT STATE of each booking: the latest change per booking_id from
--     the bronze change log, deleted bookings removed. An UPDATE no longer counts three
--     times, so gold counts bookings, not change events;
--   * status changes are counted from the ISUPDATE pairs a stream really emits (a stream
--     never emits 'UPDATE'), deletions from DELETE rows without ISUPDATE;
--   * rows with a missing customer reach silver flagged is_valid_booking = FALSE instead
--     of vanishing, so the data-quality score sees them;
--   * both dynamic tables are TARGET_LAG = DOWNSTREAM and a 1-minute task refreshes gold
--     (which refreshes silver first, at one data timestamp). Without a consumer that has
--     a time-based lag, a DOWNSTREAM table never refreshes by itself.
-- Nothing here depends on the wall clock: every timestamp comes from CURRENT_TIMESTAMP()
-- at change time, and silver orders changes by those timestamps only.
-- =====================================================================================

-- Source: bookings as the booking application writes them.
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

-- Stream: the net changes since the task last consumed it.
CREATE OR REPLACE STREAM movie_bookings_stream ON TABLE raw_movie_bookings;

-- Bronze: the append-only change log (same shape as the seed's, so both can share it).
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
    change_action STRING,                 -- INSERT or DELETE (what a stream emits)
    is_update BOOLEAN,                    -- TRUE for both rows of an UPDATE's pair
    change_timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP()
);

-- Task: every minute, move the stream into bronze. The INSERT consumes the stream, so
-- each change lands exactly once; a failed run rolls back and leaves the stream intact.
-- WHEN skips runs with nothing to move (no warehouse time on Snowflake; SKIPPED in history).
CREATE OR REPLACE TASK consume_stream_task
    WAREHOUSE = COMPUTE_WH
    SCHEDULE = '1 MINUTE'
    WHEN SYSTEM$STREAM_HAS_DATA('movie_bookings_stream')
AS
    INSERT INTO movie_booking_cdc_events (
        booking_id, customer_id, movie_id, booking_date, status, ticket_count, ticket_price,
        total_amount, created_at, updated_at, change_action, is_update, change_timestamp
    )
    SELECT
        booking_id, customer_id, movie_id, booking_date, status, ticket_count, ticket_price,
        total_amount, created_at, updated_at,
        METADATA$ACTION, METADATA$ISUPDATE, CURRENT_TIMESTAMP()
    FROM movie_bookings_stream;

-- Silver: one row per booking that exists now, with the seed's derived fields.
-- The latest change per booking wins. One task run writes an UPDATE's DELETE and INSERT
-- rows with the same change_timestamp (and a delete + re-insert of one booking_id in
-- one stream window likewise), so on a tie the INSERT must win: it carries the state
-- after the change. A booking whose latest change is a DELETE no longer exists.
CREATE OR REPLACE DYNAMIC TABLE movie_bookings_filtered
    TARGET_LAG = DOWNSTREAM
    WAREHOUSE = COMPUTE_WH
AS
WITH latest_change AS (
    SELECT
        booking_id, customer_id, movie_id, booking_date, status,
        ticket_count, ticket_price, total_amount, created_at, updated_at,
        change_action, is_update, change_timestamp,
        COUNT(CASE WHEN change_action = 'INSERT' AND is_update THEN 1 END)
            OVER (PARTITION BY booking_id) AS status_change_count
    FROM movie_booking_cdc_events
    WHERE booking_id IS NOT NULL
    QUALIFY ROW_NUMBER() OVER (
        PARTITION BY booking_id
        ORDER BY change_timestamp DESC,
                 CASE WHEN change_action = 'INSERT' THEN 1 ELSE 0 END DESC,
                 updated_at DESC
    ) = 1
)
SELECT
    booking_id, customer_id, movie_id, booking_date, status,
    ticket_count, ticket_price, total_amount, created_at, updated_at,
    change_action, is_update, change_timestamp, status_change_count,
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
        WHEN customer_id IS NULL OR movie_id IS NULL OR booking_date IS NULL THEN FALSE
        WHEN ticket_count IS NULL OR ticket_count <= 0 THEN FALSE
        WHEN ticket_price IS NULL OR ticket_price <= 0 THEN FALSE
        WHEN status IS NULL OR status NOT IN ('BOOKED', 'CANCELLED') THEN FALSE
        ELSE TRUE
    END AS is_valid_booking,
    DATE(booking_date) AS booking_date_only,
    HOUR(booking_date) AS booking_hour,
    DAYOFWEEK(booking_date) AS day_of_week
FROM latest_change
WHERE change_action = 'INSERT';

-- Gold: per-movie analytics over bookings (silver) plus deletions (bronze, since a
-- deleted booking is no longer in silver).
CREATE OR REPLACE DYNAMIC TABLE movie_booking_insights
    TARGET_LAG = DOWNSTREAM
    WAREHOUSE = COMPUTE_WH
AS
WITH per_movie AS (
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
        SUM(status_change_count) AS status_changes,
        COUNT(DISTINCT booking_date_only) AS booking_days,
        COUNT(DISTINCT booking_hour) AS active_hours
    FROM movie_bookings_filtered
    GROUP BY movie_id
),
deleted AS (
    SELECT movie_id, COUNT(*) AS deletions
    FROM movie_booking_cdc_events
    WHERE change_action = 'DELETE' AND NOT is_update AND booking_id IS NOT NULL
    GROUP BY movie_id
)
SELECT
    COALESCE(p.movie_id, d.movie_id) AS movie_id,
    COALESCE(p.total_bookings, 0) AS total_bookings,
    COALESCE(p.valid_bookings, 0) AS valid_bookings,
    COALESCE(p.invalid_bookings, 0) AS invalid_bookings,
    COALESCE(p.total_active_revenue, 0) AS total_active_revenue,
    COALESCE(p.total_lost_revenue, 0) AS total_lost_revenue,
    COALESCE(p.gross_revenue, 0) AS gross_revenue,
    COALESCE(p.active_bookings, 0) AS active_bookings,
    COALESCE(p.cancelled_bookings, 0) AS cancelled_bookings,
    COALESCE(p.single_bookings, 0) AS single_bookings,
    COALESCE(p.group_bookings, 0) AS group_bookings,
    COALESCE(p.large_group_bookings, 0) AS large_group_bookings,
    COALESCE(p.budget_bookings, 0) AS budget_bookings,
    COALESCE(p.standard_bookings, 0) AS standard_bookings,
    COALESCE(p.premium_bookings, 0) AS premium_bookings,
    COALESCE(p.total_bookings, 0) AS new_bookings,
    COALESCE(p.status_changes, 0) AS status_changes,
    COALESCE(d.deletions, 0) AS deletions,
    ROUND(COALESCE(p.cancelled_bookings, 0) * 100.0 / NULLIF(p.total_bookings, 0), 2)
        AS cancellation_rate_percent,
    ROUND(COALESCE(p.active_bookings, 0) * 100.0 / NULLIF(p.total_bookings, 0), 2)
        AS active_rate_percent,
    ROUND(p.total_active_revenue / NULLIF(p.active_bookings, 0), 2)
        AS avg_revenue_per_active_booking,
    COALESCE(p.booking_days, 0) AS booking_days,
    COALESCE(p.active_hours, 0) AS active_hours,
    ROUND(COALESCE(p.valid_bookings, 0) * 100.0 / NULLIF(p.total_bookings, 0), 2)
        AS data_quality_score
FROM per_movie p
FULL OUTER JOIN deleted d ON p.movie_id = d.movie_id;

-- A DOWNSTREAM table refreshes only when a consumer with a time-based lag needs it, and
-- gold has no such consumer; this task is that consumer. Refreshing gold refreshes silver
-- first, both at one data timestamp.
CREATE OR REPLACE TASK refresh_insights_task
    WAREHOUSE = COMPUTE_WH
    SCHEDULE = '1 MINUTE'
AS
    ALTER DYNAMIC TABLE movie_booking_insights REFRESH;

-- Tasks are created suspended.
ALTER TASK refresh_insights_task RESUME;
ALTER TASK consume_stream_task RESUME;
