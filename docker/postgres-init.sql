-- Runs once, when the postgres service initialises an empty data volume (as the "sluice" user in
-- the "sluice" database). A small schema for config/postgres-cdc-source.json to capture: that
-- connector takes every table in schema "inventory" (table.include.list = inventory\..*).
CREATE SCHEMA inventory;

CREATE TABLE inventory.customers (
    id         serial PRIMARY KEY,
    name       text NOT NULL,
    email      text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE inventory.orders (
    id          serial PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES inventory.customers (id),
    amount      numeric(10, 2) NOT NULL,
    status      text NOT NULL DEFAULT 'new',
    ordered_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO inventory.customers (name, email) VALUES
    ('Ada Example', 'ada@example.com'),
    ('Ben Example', 'ben@example.com'),
    ('Cleo Example', 'cleo@example.com');

INSERT INTO inventory.orders (customer_id, amount) VALUES
    (1, 19.90),
    (2, 5.00),
    (3, 120.50);
