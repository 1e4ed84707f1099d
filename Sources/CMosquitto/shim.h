#ifndef HARVESTRY_CMOSQUITTO_SHIM_H
#define HARVESTRY_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#include <mqtt_protocol.h>
#endif
