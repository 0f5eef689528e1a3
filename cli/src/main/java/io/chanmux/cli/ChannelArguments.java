package io.chanmux.cli;

import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code CHANNEL [--key K]} arguments that {@code join} and {@code send} share (a picocli mixin). */
final class ChannelArguments {
    @Parameters(index = "0", paramLabel = "CHANNEL", description = "The channel id (16 hex characters).")
    String channel;

    @Option(names = "--key", paramLabel = "K", description = "The channel's join key, if it has one.")
    String key;
}
