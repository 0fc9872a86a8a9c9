-- =====================================================================================
-- The consume step as a stored procedure (run after pipeline.sql).
--
-- Many Snowflake pipelines keep a task's logic in a procedure the task CALLs: it can check,
-- log and report what it did. This one moves the stream's changes into the CDC events table in
-- one transaction (so one window is read and consumed at COMMIT), logs how many rows moved
-- (SYSTEM$LOG_INFO: cdcsim sends it to Python's logging, logger cdcsim.log), reports it as the
-- task run's return value, and returns it to a caller.
-- =====================================================================================

CREATE OR REPLACE PROCEDURE consume_bookings()
    RETURNS INT
    LANGUAGE SQL
AS
$$
DECLARE
    moved INT DEFAULT 0;
BEGIN
    BEGIN TRANSACTION;
    INSERT INTO movie_booking_cdc_events (
        booking_id, customer_id, movie_id, booking_date, status, ticket_count, ticket_price,
        total_amount, created_at, updated_at, change_action, is_update, change_timestamp
    )
    SELECT
        booking_id, customer_id, movie_id, booking_date, status, ticket_count, ticket_price,
        total_amount, created_at, updated_at,
        METADATA$ACTION, METADATA$ISUPDATE, CURRENT_TIMESTAMP()
    FROM movie_bookings_stream;
    moved := SQLROWCOUNT;
    COMMIT;
    CALL SYSTEM$LOG_INFO('consume_bookings moved ' || :moved || ' change rows');
    CALL SYSTEM$SET_RETURN_VALUE('moved ' || :moved);
    RETURN moved;
END;
$$;

-- The task keeps its schedule and its WHEN; only its body changes (a task must be suspended to
-- be altered, and resumed again after).
ALTER TASK consume_stream_task SUSPEND;
ALTER TASK consume_stream_task MODIFY AS CALL consume_bookings();
ALTER TASK consume_stream_task RESUME;
