-- The seed's status change: bookings B001 and B003 are cancelled.
-- Run it after the task has moved the sample inserts to bronze (one task run later),
-- so the stream shows the UPDATE as a DELETE + INSERT pair with METADATA$ISUPDATE = TRUE.
UPDATE raw_movie_bookings
SET status = 'CANCELLED', updated_at = CURRENT_TIMESTAMP()
WHERE booking_id IN ('B001', 'B003');
