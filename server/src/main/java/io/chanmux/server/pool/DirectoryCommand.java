package io.chanmux.server.pool;

/**
 * The commands that change the channel directory. Sessions and channel threads send them through
 * {@link ChannelDirectory}; its thread applies them one at a time.
 */
sealed interface DirectoryCommand {

    /** Open a port for a new channel, place it on the least-loaded pool and hand it to that pool. */
    record CreateChannel(SessionHandle owner, String name, int maxPeers, String key, Answer<ChannelCreated> answer)
            implements DirectoryCommand {
    }

    /** A channel's thread has ended and its socket is closed: free its port and keep its counters. */
    record ChannelEnded(Channel channel) implements DirectoryCommand {
    }
}
