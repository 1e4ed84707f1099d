#ifndef HARVESTRY_CLIBPQ_SHIM_H
#define HARVESTRY_CLIBPQ_SHIM_H
#include <postgresql/libpq-fe.h>
#endif
