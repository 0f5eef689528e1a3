package io.chanmux.protocol.control;

/**
 * Where a {@link ErrorCode#MOVED} reply sends the client: the cluster node that holds the channel
 * (or that the cluster placed a new channel on), as the reply's {@code node} and {@code control}
 * fields.
 *
 * <pre>
 * {"id":3,"ok":false,"error":"moved","node":"b","control":"10.0.0.2:7700","message":"channel 9f2c… is on node b"}
 * </pre>
 *
 * @param node    the node's id; a {@code create} sent on to that node carries it as {@code node}
 * @param control the node's control address, {@code host:port} ({@code [v6]:port} for an IPv6 literal)
 */
public record Redirect(String node, String control) {
}
