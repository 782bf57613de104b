set terminal pngcairo size 900,450 font 'sans,10'
set output '/work/main/docs/img/bench-proxy.png'
set datafile separator ','
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key top left
set ylabel 'transactions per second (pgbench -M simple)'
set title 'pgbench through the Junction proxy vs PgBouncer (transaction pooling) vs direct, same servers, one run'
set xtics rotate by -20
plot '/work/main/benchmarks/results/proxy.csv' every ::1 using 3:xtic(sprintf('%s c=%s', stringcolumn(1), stringcolumn(2))) title 'direct', \
     '' every ::1 using 4 title 'PgBouncer', \
     '' every ::1 using 5 title 'Junction proxy'
