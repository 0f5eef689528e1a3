package io.chanmux.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The bin/ scripts need only a JDK: with a {@code mvn} that fails first on {@code PATH} and no
 * {@code JAVA_HOME}, they find a JDK 25 themselves, build with {@code ./mvnw} (the Maven it
 * downloads once into ~/.m2/wrapper), and print no terminal escape codes.
 *
 * <p>Each test runs the scripts in a fresh copy of the repository (poms, sources, scripts, the
 * wrapper; no target/), as a new clone would be, so what they build lands in the copy.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LaunchScriptsTest {
    /** Surefire runs tests in the module's folder, cli/. */
    private static final Path REPOSITORY = Path.of("").toAbsolutePath().getParent();
    private static final long RUN_LIMIT_MINUTES = 4;

    @TempDir
    Path temp;
    private Path copy;
    private Path fakeMavenFolder;
    private Path jdkLinkFolder;

    @BeforeEach
    void copyRepositoryAndInstallFakeMaven() throws IOException {
        copy = Files.createDirectory(temp.resolve("repository"));
        for (String path : List.of("pom.xml", "mvnw", ".mvn", "bin")) {
            copyTree(REPOSITORY.resolve(path), copy.resolve(path));
        }
        // Every module, or the root pom would name one that is missing.
        List<Path> modules;
        try (Stream<Path> children = Files.list(REPOSITORY)) {
            modules = children.filter(child -> Files.isRegularFile(child.resolve("pom.xml"))).toList();
        }
        for (Path module : modules) {
            Path moduleCopy = copy.resolve(module.getFileName().toString());
            copyTree(module.resolve("pom.xml"), moduleCopy.resolve("pom.xml"));
            if (Files.isDirectory(module.resolve("src"))) {
                copyTree(module.resolve("src"), moduleCopy.resolve("src"));
            }
        }

        fakeMavenFolder = Files.createDirectory(temp.resolve("fake-maven"));
        Path fakeMaven = fakeMavenFolder.resolve("mvn");
        Files.writeString(fakeMaven, "#!/bin/sh\necho 'fake mvn' >&2\nexit 1\n");
        Files.setPosixFilePermissions(fakeMaven, PosixFilePermissions.fromString("rwxr-xr-x"));

        // A JDK 25 somewhere else (SDKMAN, a tarball) is invisible without JAVA_HOME: offer the
        // one running this test the way a system JVM folder would hold it.
        jdkLinkFolder = Files.createDirectory(temp.resolve("jvm"));
        Files.createSymbolicLink(jdkLinkFolder.resolve("test-jdk"), Path.of(System.getProperty("java.home")));
    }

    @AfterEach
    void removeJdkLink() throws IOException {
        // Left to JUnit, the link would make it warn that it points outside the temporary folder.
        Files.delete(jdkLinkFolder.resolve("test-jdk"));
    }

    @Test
    void shouldBuildAndStartTheServerWhenNoJavaHomeIsSetAndTheMavenOnPathFails() throws Exception {
        ScriptRun run = run("bin/chanmux-server", "--version");

        assertEquals(0, run.exitStatus(), run.output());
        assertTrue(run.output().contains("building chanmux-server..."), run.output());
        assertTrue(run.output().endsWith("chanmux-server " + io.chanmux.server.base.Version.VERSION + "\n"), run.output());
        assertBuiltWithoutSystemMavenAndPlain(run);

        // The jar is built now: the young generation is bounded, unless CHANMUX_JAVA_OPTS says otherwise.
        String flags = runWithJavaOptions("-XX:+PrintFlagsFinal", "bin/chanmux-server", "--version").output();
        assertTrue(flags.matches("(?s).* MaxNewSize += 33554432 .*"), "-Xmn32m by default");
        assertTrue(flags.matches("(?s).* AutoBoxCacheMax += 65535 .*"), "an Integer cache up to 65535 by default");
        assertTrue(runWithJavaOptions("-Xmn64m -XX:+PrintFlagsFinal", "bin/chanmux-server", "--version").output()
                .matches("(?s).* MaxNewSize += 67108864 .*"), "the user's -Xmn wins");
    }

    @Test
    void shouldRunTheWrapperMavenWhenTheTestScriptRunsAndTheMavenOnPathFails() throws Exception {
        // --version makes Maven print its version and home, then stop before building anything.
        ScriptRun run = run("bin/chanmux-test", "--version");

        assertEquals(0, run.exitStatus(), run.output());
        assertTrue(run.output().matches("(?s).*Maven home: \\S*/wrapper/dists/apache-maven-.*"), run.output());
        assertBuiltWithoutSystemMavenAndPlain(run);
    }

    private static void assertBuiltWithoutSystemMavenAndPlain(ScriptRun run) {
        assertFalse(run.output().contains("fake mvn"), run.output());
        assertFalse(run.output().contains("\u001b"), "escape code in: " + run.output());
    }

    /** Runs a script of the copy with stdout and stderr together, as a CI log or a pipe gets them. */
    private ScriptRun run(String script, String... args) throws IOException, InterruptedException {
        return runWithJavaOptions("", script, args);
    }

    /** As {@link #run}, with {@code javaOptions} in {@code CHANMUX_JAVA_OPTS}. */
    private ScriptRun runWithJavaOptions(String javaOptions, String script, String... args)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(Stream.concat(
                Stream.of(copy.resolve(script).toString()), Stream.of(args)).toList())
                .directory(copy.toFile())
                .redirectErrorStream(true)
                .redirectOutput(temp.resolve("output.txt").toFile());
        builder.environment().remove("JAVA_HOME");
        builder.environment().remove("MAVEN_OPTS");
        builder.environment().put("CHANMUX_JAVA_OPTS", javaOptions);
        // The fake mvn comes first; /usr/bin holds an older default java on many machines.
        builder.environment().put("PATH", fakeMavenFolder + ":/usr/bin:/bin");
        builder.environment().put("CHANMUX_JVM_DIRS",
                "/usr/lib/jvm:/Library/Java/JavaVirtualMachines:" + jdkLinkFolder);
        Process process = builder.start();
        process.getOutputStream().close();
        if (!process.waitFor(RUN_LIMIT_MINUTES, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            fail(script + " did not end within " + RUN_LIMIT_MINUTES + " minutes");
        }
        return new ScriptRun(process.exitValue(),
                Files.readString(temp.resolve("output.txt"), StandardCharsets.UTF_8));
    }

    /** Copies a file or a folder with everything in it; copied files get the current time. */
    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(path, target);
                }
            }
        }
    }

    /** What a script run left: its exit status and its combined output. */
    private record ScriptRun(int exitStatus, String output) {
    }
}
