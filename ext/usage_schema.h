/*
** usage_schema.h: the migration scripts, compiled in from sql/migrations.
**
** scripts/sql2c writes build/usage_sql.c from the numbered files; migration
** i (1-based) is usage_migration_sql[i-1], and the schema version after it
** has run is i.
*/
#ifndef USAGE_SCHEMA_H
#define USAGE_SCHEMA_H

extern const char *const usage_migration_sql[];
extern const char *const usage_migration_name[];
extern const int usage_migration_count;

#endif /* USAGE_SCHEMA_H */
