-- pgbench: the reference one-row INSERT the intake benchmark is compared with.
insert into bench_row (body, created_at) values ('3号楼电梯经常停运，老人上下楼很不方便，希望尽快维修', now());
