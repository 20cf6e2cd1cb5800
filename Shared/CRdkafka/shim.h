#ifndef C_RDKAFKA_SHIM_H
#define C_RDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/* rd_kafka_producev is variadic (and its arguments are macros), which Swift cannot call:
   this wrapper produces one record, copying key and value. */
static inline rd_kafka_resp_err_t rd_kafka_produce_copy(rd_kafka_t *rk, const char *topic, int32_t partition,
                                                        void *value, size_t value_len,
                                                        void *key, size_t key_len, int64_t timestamp) {
    return rd_kafka_producev(rk,
                             RD_KAFKA_V_TOPIC(topic),
                             RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_VALUE(value, value_len),
                             RD_KAFKA_V_KEY(key, key_len),
                             RD_KAFKA_V_TIMESTAMP(timestamp),
                             RD_KAFKA_V_END);
}

/* The same with headers: on success librdkafka owns `headers` (a list from rd_kafka_headers_new,
   may be NULL); on failure the caller still owns and destroys it. */
static inline rd_kafka_resp_err_t rd_kafka_produce_copy_headers(rd_kafka_t *rk, const char *topic, int32_t partition,
                                                                void *value, size_t value_len,
                                                                void *key, size_t key_len, int64_t timestamp,
                                                                rd_kafka_headers_t *headers) {
    return rd_kafka_producev(rk,
                             RD_KAFKA_V_TOPIC(topic),
                             RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_VALUE(value, value_len),
                             RD_KAFKA_V_KEY(key, key_len),
                             RD_KAFKA_V_TIMESTAMP(timestamp),
                             RD_KAFKA_V_HEADERS(headers),
                             RD_KAFKA_V_END);
}
#endif
