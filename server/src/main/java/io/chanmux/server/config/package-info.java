/**
 * Every server setting, described once: {@link io.chanmux.server.config.Settings} holds one
 * {@link io.chanmux.server.config.Setting} per option (name, value type, default, help, the check of
 * one value), and everything else is generated from those descriptors: the command-line options,
 * the {@code CHANMUX_*} environment variables and JSON keys ({@link
 * io.chanmux.server.config.ConfigSources}), the defaults, validation and {@code toString} of
 * {@link io.chanmux.server.config.ServerConfig}.
 *
 * <p>Near the bottom of the layers: it depends on the JDK, picocli, Jackson and the leaf package
 * {@code log} (the log format is a setting) only, never on the rest of the server. Everything here is immutable and may be used from any thread, except {@link
 * io.chanmux.server.config.ServerConfig.Builder}, which belongs to the thread that builds with it.
 */
package io.chanmux.server.config;
