package io.chanmux.server.log;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The SLF4J provider the server's jar registers (in {@code META-INF/services}): SLF4J finds it on
 * the class path and hands every {@code LoggerFactory.getLogger} call to it. Loggers are
 * {@link LineLogger}s, created once per name with the threshold {@link LogLevels} gives. SLF4J
 * calls {@link #initialize} once; everything else may be called from any thread.
 */
public final class LineLogProvider implements SLF4JServiceProvider {
    private volatile ILoggerFactory loggers;
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new BasicMDCAdapter();

    @Override
    public void initialize() {
        LogLevels levels = LogLevels.fromSystem();
        ConcurrentMap<String, Logger> byName = new ConcurrentHashMap<>();
        loggers = name -> byName.computeIfAbsent(name,
                n -> new LineLogger(n, levels.thresholdFor(n), LogOutput::write));
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }
}
