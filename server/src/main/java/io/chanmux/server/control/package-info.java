/**
 * The control plane: the accept loop and one session per TCP connection, each on its own virtual
 * thread. Sessions decode requests, forward channel changes to the owning pool as commands, and
 * write replies and pushed events through a bounded outbound queue.
 */
package io.chanmux.server.control;
