-- 0002_numeric_precision.down.sql — reverts 0002_numeric_precision.up.sql, in reverse order.
--
-- Back to unconstrained numeric, which holds every value the constrained columns hold: lossless.

alter table metal_transactions
    alter column quantity_grams type numeric;

alter table department_ledger_entries
    alter column fine_weight type numeric,
    alter column weight type numeric,
    alter column quantity type numeric;

alter table department_balances
    alter column balance_grams type numeric;

alter table shipments
    alter column shipping_cost type numeric;

alter table order_line_items
    alter column labor_cost type numeric,
    alter column price type numeric,
    alter column initial_total_weight type numeric,
    alter column target_weight_per_piece type numeric;

alter table orders
    alter column labor_cost type numeric,
    alter column initial_total_weight type numeric,
    alter column target_weight_per_piece type numeric,
    alter column price type numeric;

alter table supplies
    alter column cost_per_unit type numeric,
    alter column quantity type numeric;

alter table metal_prices
    alter column price_per_gram type numeric;

alter table company_metal_balances
    alter column balance_grams type numeric;

alter table safe_supplies
    alter column quantity_grams type numeric;

alter table metals
    alter column average_cost_per_gram type numeric,
    alter column fine_percentage type numeric;
