/*
** schema/schema.h: the migration scripts, compiled in from sql/migrations.
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
/* What every migration in turn builds, as one script for a schema with no
** tables yet (scripts/schemagen); it records the latest version itself. */
extern const char *const usage_fresh_sql;

/* Shared with schema/check.c (defined in schema/schema.c). */
#include "sqlite3ext.h"
int usage_schema_reference(sqlite3 **ppRef, char **pzErr);
int usage_schema_version(sqlite3 *db, const char *zSchema, sqlite3_int64 *pV);
int usage_schema_column_diff(sqlite3 *db, const char *zSchema, sqlite3 *pRef,
                             const char *zName, char **pzDiff);
/* usage_drop() (schema/drop.c), registered by usage_register_check(). */
int usage_drop_register(sqlite3 *db);

#endif /* USAGE_SCHEMA_H */
