#!/usr/bin/env bash
# Runs the JMH benchmarks in src/jmh/java on the test classpath.
#   bench/jmh.sh                                  # all benchmarks
#   bench/jmh.sh FeatureExtractorBenchmark -prof gc   # one, with allocation figures
# Arguments go to org.openjdk.jmh.Main (try -h).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -DskipTests test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
# -Xss16m: with this long test classpath, ONNX Runtime calls crashed (SIGSEGV, exit 139) on threads with
# the default 1 MB stack (also at 2 MB, not at 4 MB; measured 2026-11-23); the shaded jar runs them on
# 256 KB. JMH's benchmark threads, and its forks (which inherit these options), get 16 MB.
exec java -Xss16m -cp "target/classes:target/test-classes:$(cat target/test-classpath.txt)" org.openjdk.jmh.Main "$@"
