set terminal pngcairo size 1400,500 font 'sans,10'
set output '/work/main/benchmarks/results/proxy-perf10/split-sb512/bench-proxy.png'
set datafile separator ','
set datafile commentschars '#'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key top left
set ylabel 'transactions per second'
set title 'pgbench through the Junction proxy vs PgBouncer (transaction pooling) vs direct, same servers, one run'
set xtics rotate by -20
plot '/work/main/benchmarks/results/proxy-perf10/split-sb512/proxy.csv' every ::1 using 4:xtic(sprintf('%s %s c=%s', stringcolumn(1), stringcolumn(2), stringcolumn(3))) title 'direct', \
     '' every ::1 using 5 title 'PgBouncer', \
     '' every ::1 using 6 title 'Junction proxy'
