-- The seed's monitoring and troubleshooting queries (read-only; run any of them on their own).

-- Task monitoring
SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(
    TASK_NAME => 'consume_stream_task'
)) ORDER BY SCHEDULED_TIME DESC LIMIT 10;

SHOW TASKS;
SHOW TASKS LIKE 'consume_stream_task';

-- Stream and CDC monitoring
SELECT * FROM movie_bookings_stream;

SELECT COUNT(*) AS pending_changes
FROM movie_bookings_stream;

SELECT * FROM movie_booking_cdc_events
ORDER BY change_timestamp DESC
LIMIT 10;

SELECT booking_id, status, booking_status_category,
       booking_size_category, price_category, active_revenue, lost_revenue
FROM movie_bookings_filtered
ORDER BY change_timestamp DESC;

-- Dynamic table status
-- (The seed wrote TABLE_NAME => here; Snowflake's argument for this function is NAME =>.)
SHOW DYNAMIC TABLES;
SHOW DYNAMIC TABLES LIKE 'movie_booking%';

SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(
    NAME => 'movie_bookings_filtered'
)) ORDER BY REFRESH_START_TIME DESC LIMIT 5;

SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(
    NAME => 'movie_booking_insights'
)) ORDER BY REFRESH_START_TIME DESC LIMIT 5;

-- Object inventory (the seed's "verify setup")
SHOW TABLES;
SHOW STREAMS;
