drop table ledger_unit_totals;

-- Gives the issued metal back to the safe and removes the issues, then the shipment columns.
update safe_supplies s
   set quantity_grams = s.quantity_grams - i.grams
  from (select tenant_id, metal_id, sum(quantity_grams) as grams
          from metal_transactions
         where transaction_type = 'SAFE_ISSUE'
         group by tenant_id, metal_id) i
 where s.tenant_id = i.tenant_id and s.metal_id = i.metal_id and s.supply_type = 'FINE_METAL';
delete from metal_transactions where transaction_type = 'SAFE_ISSUE';

drop index ix_shipments_tenant_metal;
alter table shipments
    drop constraint shipments_metal_weight_check,
    drop constraint shipments_tenant_id_metal_id_fkey,
    drop column fine_weight,
    drop column weight,
    drop column metal_id;

alter table metal_transactions drop constraint metal_transactions_transaction_type_check;
alter table metal_transactions add constraint metal_transactions_transaction_type_check
    check (transaction_type in ('COMPANY_DEPOSIT', 'MANUFACTURING_CONSUMPTION', 'SAFE_PURCHASE',
                                'SAFE_ADJUSTMENT'));
