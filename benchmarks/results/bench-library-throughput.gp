set terminal pngcairo size 1100,480 font 'sans,9'
set output 'docs/img/bench-library-throughput.png'
set datafile separator ','
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key outside right top
set grid ytics
set xtics rotate by -25
unset logscale y
set yrange [0:*]
set title "Throughput relative to raw HikariCP in the same rounds (2026-11-23 13:30 UTC, median of 12 rounds)"
set ylabel "ops/s ÷ HikariCP ops/s"
plot 'benchmarks/results/library-throughput-ratio.csv' every ::1 using 2:xtic(1) title 'junction-primary-only', '' every ::1 using 3 title 'junction-2-replicas', '' every ::1 using 4 title 'spring-threadlocal', '' every ::1 using 5 title 'spring-readonly-tx', '' every ::1 using 6 title 'shardingsphere-5.5.2', 1.0 with lines lw 2 lc rgb 'black' dt 2 title 'baseline'
