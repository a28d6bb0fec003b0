-- 0002_numeric_precision.up.sql — give every gram, purity and money column a precision and scale.
--
-- Runs inside ONE transaction opened by the migrator, as the owner role (no BEGIN/COMMIT here).
-- Why: unconstrained numeric stores whatever arrives (0.30000000000000004 from a float client) and
-- lets the application's decimal types and the database disagree. Each column now holds exactly
-- what its Rust type holds (shared::domain::amount / metal), and every value fits 15 significant
-- digits, the most a JSON number carries exactly to the JavaScript client.
--   * grams            numeric(14,4): 0.1 mg (finer than a jewellery scale reads; the old service
--                      reported pure metal to 4 places), up to 9,999,999,999.9999 g.
--   * purity           numeric(5,4):  a fraction 0..1 to 0.0001 (fineness in parts per thousand with
--                      one more digit: 999.9 "four nines" gold); the 0..1 CHECK stays.
--   * money            numeric(14,2): order prices, labour and shipping costs in cents (USD, like
--                      the metal prices), up to 999,999,999,999.99.
--   * unit prices      numeric(14,4): money per gram or per unit (average cost, market price, a
--                      supply's cost per unit): silver costs well under a dollar a gram.
--   * quantities       numeric(14,4): supply stock in its own unit (ct, pcs, g) and ledger pieces.
-- Existing values with more decimals are rounded half away from zero (PostgreSQL's rule, also the
-- application's); a value too large for its column makes this migration fail instead of
-- truncating it. Tables without endpoints yet (orders, ledger, safe, shipments) are covered too.

alter table metals
    alter column fine_percentage type numeric(5,4),
    alter column average_cost_per_gram type numeric(14,4);

alter table safe_supplies
    alter column quantity_grams type numeric(14,4);

alter table company_metal_balances
    alter column balance_grams type numeric(14,4);

alter table metal_prices
    alter column price_per_gram type numeric(14,4);

alter table supplies
    alter column quantity type numeric(14,4),
    alter column cost_per_unit type numeric(14,4);

alter table orders
    alter column price type numeric(14,2),
    alter column target_weight_per_piece type numeric(14,4),
    alter column initial_total_weight type numeric(14,4),
    alter column labor_cost type numeric(14,2);

alter table order_line_items
    alter column target_weight_per_piece type numeric(14,4),
    alter column initial_total_weight type numeric(14,4),
    alter column price type numeric(14,2),
    alter column labor_cost type numeric(14,2);

alter table shipments
    alter column shipping_cost type numeric(14,2);

alter table department_balances
    alter column balance_grams type numeric(14,4);

alter table department_ledger_entries
    alter column quantity type numeric(14,4),
    alter column weight type numeric(14,4),
    alter column fine_weight type numeric(14,4);

alter table metal_transactions
    alter column quantity_grams type numeric(14,4);
