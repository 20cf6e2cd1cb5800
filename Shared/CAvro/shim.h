#ifndef C_AVRO_SHIM_H
#define C_AVRO_SHIM_H
#include <avro.h>

/*
 * avro-c's schema inspection and generic value API are macros, which Swift cannot call.
 * These static inline functions wrap the ones the Swift `Avro` module uses; they add no logic.
 */

/* MARK: Schemas */

static inline avro_type_t cavro_schema_type(avro_schema_t schema) {
    return avro_typeof(schema);
}

/* MARK: Value classes */

static inline void cavro_value_iface_decref(avro_value_iface_t *iface) {
    avro_value_iface_decref(iface);
}

/* MARK: Generic values */

static inline int cavro_value_reset(avro_value_t *value) {
    return avro_value_reset(value);
}

static inline avro_type_t cavro_value_get_type(const avro_value_t *value) {
    return avro_value_get_type(value);
}

static inline avro_schema_t cavro_value_get_schema(const avro_value_t *value) {
    return avro_value_get_schema(value);
}

static inline int cavro_value_set_null(avro_value_t *value) {
    return avro_value_set_null(value);
}

static inline int cavro_value_set_boolean(avro_value_t *value, int v) {
    return avro_value_set_boolean(value, v);
}

static inline int cavro_value_set_int(avro_value_t *value, int32_t v) {
    return avro_value_set_int(value, v);
}

static inline int cavro_value_set_long(avro_value_t *value, int64_t v) {
    return avro_value_set_long(value, v);
}

static inline int cavro_value_set_float(avro_value_t *value, float v) {
    return avro_value_set_float(value, v);
}

static inline int cavro_value_set_double(avro_value_t *value, double v) {
    return avro_value_set_double(value, v);
}

static inline int cavro_value_set_string_len(avro_value_t *value, const char *str, size_t size) {
    /* size counts the NUL terminator, as avro-c expects. */
    return avro_value_set_string_len(value, str, size);
}

static inline int cavro_value_set_bytes(avro_value_t *value, void *buf, size_t size) {
    return avro_value_set_bytes(value, buf, size);
}

static inline int cavro_value_set_fixed(avro_value_t *value, void *buf, size_t size) {
    return avro_value_set_fixed(value, buf, size);
}

static inline int cavro_value_set_enum(avro_value_t *value, int v) {
    return avro_value_set_enum(value, v);
}

static inline int cavro_value_get_by_index(const avro_value_t *value, size_t index,
                                           avro_value_t *child, const char **name) {
    return avro_value_get_by_index(value, index, child, name);
}

static inline int cavro_value_get_by_name(const avro_value_t *value, const char *name,
                                          avro_value_t *child, size_t *index) {
    return avro_value_get_by_name(value, name, child, index);
}

static inline int cavro_value_append(avro_value_t *value, avro_value_t *child, size_t *new_index) {
    return avro_value_append(value, child, new_index);
}

static inline int cavro_value_add(avro_value_t *value, const char *key, avro_value_t *child,
                                  size_t *index, int *is_new) {
    return avro_value_add(value, key, child, index, is_new);
}

static inline int cavro_value_set_branch(avro_value_t *value, int discriminant, avro_value_t *branch) {
    return avro_value_set_branch(value, discriminant, branch);
}

#endif
