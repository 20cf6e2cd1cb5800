#ifndef C_ZEROMQ_SHIM_H
#define C_ZEROMQ_SHIM_H
#include <zmq.h>
#ifdef __linux__
/* eventfd(2): used to wake a thread blocked in zmq_poll from other threads. */
#include <sys/eventfd.h>
#endif
#endif
