/**
 * What the load test tells: the once-a-second {@link io.chanmux.loadtest.report.ProgressReporter},
 * the run's figures as one value ({@link io.chanmux.loadtest.report.LoadTestResult}), and its three
 * renderings: the console table ({@link io.chanmux.loadtest.report.SummaryReport}), JSON
 * ({@link io.chanmux.loadtest.report.JsonReport}) and a self-contained HTML page with inline SVG
 * charts ({@link io.chanmux.loadtest.report.HtmlReport}).
 *
 * <p>Threading: the reporter runs on its own virtual thread; the result is immutable and the
 * writers are stateless.
 */
package io.chanmux.loadtest.report;
