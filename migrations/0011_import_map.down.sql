drop table import_runs;
drop table import_map;
