package io.chanmux.loadtest.traffic;

import java.util.concurrent.CountDownLatch;

/**
 * One peer's part in the traffic, fixed when every peer is connected: whether and how it sends,
 * to how many receivers each of its datagrams should go, and the recorder its receiver fills.
 *
 * @param timeline         the run's instants
 * @param scheduler        the send schedule; null for a peer that only listens, or sends unpaced
 * @param sends            whether this peer sends DATA
 * @param unpaced          whether it sends as fast as it can ({@code --rate max}) instead of on schedule
 * @param copies           the other connected peers of its channel: receivers of each datagram it sends
 * @param recorder         accounts for what this peer receives
 * @param sendingFinished  counted down by every peer once its traffic phase is over
 */
public record TrafficPlan(RunTimeline timeline, RateScheduler scheduler, boolean sends, boolean unpaced,
                          int copies, DeliveryRecorder recorder, CountDownLatch sendingFinished) {
}
