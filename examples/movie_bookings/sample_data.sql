-- The seed's five sample bookings (B001-B005, movies M001-M005, September 2025).
-- Load after seed.sql or pipeline.sql. created_at/updated_at come from the column defaults.
INSERT INTO raw_movie_bookings
    (booking_id, customer_id, movie_id, booking_date, status, ticket_count, ticket_price)
VALUES
    ('B001', 'C001', 'M001', '2025-09-01 10:00:00', 'BOOKED', 2, 12.50),
    ('B002', 'C002', 'M002', '2025-09-01 14:30:00', 'BOOKED', 4, 10.00),
    ('B003', 'C003', 'M003', '2025-09-02 18:00:00', 'BOOKED', 1, 25.00),
    ('B004', 'C004', 'M004', '2025-09-02 20:15:00', 'BOOKED', 3, 15.00),
    ('B005', 'C005', 'M005', '2025-09-03 11:45:00', 'BOOKED', 2, 22.00);
