/*
** time/zone_data.h: the layout of the compiled-in zone data.
**
** scripts/tzgen writes build/usage_zone_data.c, which defines the objects
** declared here from the TZif files of the tzdata package. Only
** time/zone.c reads them; see scripts/tzgen for the encoding.
*/
#ifndef USAGE_ZONE_DATA_H
#define USAGE_ZONE_DATA_H

#include <stdint.h>

/* One distinct zone table, shared by all the names (links) that use it. */
typedef struct UsageZoneTable {
  int64_t first;     /* the first transition, unix seconds */
  uint32_t iDelta;   /* offset of its varint deltas in aDelta */
  uint32_t iTypeIdx; /* offset of its per-transition type bytes */
  uint16_t nTrans;   /* number of transitions */
  uint16_t iOff;     /* offset of its types (utoff*2 + isdst) in aOff */
  uint8_t nType;     /* number of types */
  uint8_t iBefore;   /* type in force before the first transition */
  uint16_t iRule;    /* offset of its TZ rule string in aRule */
} UsageZoneTable;

/* One zone name: where its text starts in aName, and its table. */
typedef struct UsageZoneName {
  uint16_t iName;
  uint16_t iTable;
} UsageZoneName;

/* Every array of the data, in one object. */
typedef struct UsageZoneDataSet {
  const unsigned char *aDelta;
  const unsigned char *aTypeIdx;
  const int32_t *aOff;
  const char *aRule;
  const UsageZoneTable *aTable;
  const char *aName;
  const UsageZoneName *aZoneName; /* sorted bytewise by name */
} UsageZoneDataSet;

extern const UsageZoneDataSet usage_zone_data;
extern const char usage_zone_data_version[];
extern const int usage_zone_data_count;

#endif /* USAGE_ZONE_DATA_H */
