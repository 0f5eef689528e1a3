/**
 * The chanmux server: {@link io.chanmux.server.ChanmuxServer} (lifecycle and root scope), {@link
 * io.chanmux.server.ServerMain} (command line) and {@link io.chanmux.server.ServerConfig} (every
 * setting, validated once). Sub-packages hold the control plane, the pools and the channel threads.
 */
package io.chanmux.server;
