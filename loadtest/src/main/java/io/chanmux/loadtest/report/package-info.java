/**
 * What the load test tells: the once-a-second {@link io.chanmux.loadtest.report.ProgressReporter},
 * the run's figures as one value ({@link io.chanmux.loadtest.report.LoadTestResult}), and its three
 * renderings: the console table ({@link io.chanmux.loadtest.report.SummaryReport}), JSON
 * ({@link io.chanmux.loadtest.report.JsonReport}) and a self-contained HTML page with inline SVG
 * charts ({@link io.chanmux.loadtest.report.HtmlReport}). A rate sweep is one value too
 * ({@link io.chanmux.loadtest.report.SweepResult}, a {@link io.chanmux.loadtest.report.SweepStep}
 * per rate, and its knee), rendered the same three ways ({@link io.chanmux.loadtest.report.SweepTable},
 * {@link io.chanmux.loadtest.report.SweepJsonReport}, {@link io.chanmux.loadtest.report.SweepHtmlReport}).
 *
 * <p>Threading: the reporter runs on its own virtual thread; the result is immutable and the
 * writers are stateless.
 */
package io.chanmux.loadtest.report;
