package io.chanmux.loadtest;

/**
 * A named preset from {@code scenarios.json}. Every setting is optional (null keeps the
 * default); explicit command-line options override what the preset sets.
 *
 * @param name              the key in the file, given to {@code --scenario}
 * @param description       one line for {@code --list-scenarios}
 * @param channels          channels to create
 * @param peersPerChannel   peers per channel
 * @param sendersPerChannel sending peers per channel (null: all)
 * @param ratePerSender     datagrams per second of each sender, so the total follows the channel count
 * @param payloadBytes      DATA body bytes
 * @param duration          the measured window, as {@code --duration} spells it
 * @param warmup            the warmup, as {@code --warmup} spells it
 */
public record Scenario(String name, String description, Integer channels, Integer peersPerChannel,
                       Integer sendersPerChannel, Double ratePerSender, Integer payloadBytes, String duration,
                       String warmup) {
}
