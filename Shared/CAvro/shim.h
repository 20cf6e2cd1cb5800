#ifndef C_AVRO_SHIM_H
#define C_AVRO_SHIM_H
#include <avro.h>
/* avro-c's generic value API is macros; static inline wrappers that Swift can call go here. */
#endif
