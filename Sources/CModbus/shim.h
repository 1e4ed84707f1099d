#ifndef HARVESTRY_CMODBUS_SHIM_H
#define HARVESTRY_CMODBUS_SHIM_H
#include <modbus/modbus.h>

// MODBUS_GET_HIGH_BYTE and friends are macros; inline helpers for the ones we use.
static inline uint16_t hv_modbus_get_int16_from_int8(const uint8_t *tab, int index) {
    return MODBUS_GET_INT16_FROM_INT8(tab, index);
}
#endif
