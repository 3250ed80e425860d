#!/usr/bin/env bash
# Runs the JMH benchmarks in src/jmh/java on the test classpath.
#   bench/jmh.sh                                  # all benchmarks
#   bench/jmh.sh FeatureExtractorBenchmark -prof gc   # one, with allocation figures
# Arguments go to org.openjdk.jmh.Main (try -h).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -DskipTests test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
exec java -cp "target/classes:target/test-classes:$(cat target/test-classpath.txt)" org.openjdk.jmh.Main "$@"
