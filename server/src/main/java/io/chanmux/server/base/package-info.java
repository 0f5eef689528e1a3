/**
 * The bottom layer of the server: the injected clock, token buckets, random ids and tokens,
 * constant-time comparison, the timing wheel of periodic checks and the queue of items raised for
 * one owner thread. Depends on nothing else in the server; every other package may use it.
 */
package io.chanmux.server.base;
