alter table department_balances
    drop column fine_weight,
    drop column qty_out,
    drop column qty_in;
