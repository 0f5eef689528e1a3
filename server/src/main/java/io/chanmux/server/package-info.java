/**
 * The chanmux server: {@link io.chanmux.server.ChanmuxServer} (lifecycle and root scope), {@link
 * io.chanmux.server.ServerMain} (command line) and the sub-package
 * {@code config} (every setting described once, and the validated values). Other sub-packages hold
 * the control plane, the pools and the channel threads.
 */
package io.chanmux.server;
