# Reads a /metrics scrape and prints, per collection and operation, the total
# database time and the number of commands (kizuna_db_command_duration_seconds)
# as "seconds<TAB>| collection | operation | seconds s | commands |", for
#   curl -s $BASE/metrics | awk -f scripts/load/dbtime.awk | sort -rg | head | cut -f2
BEGIN { FS = "[{}\",= ]+" }
/^kizuna_db_command_duration_seconds_sum\{/ { sum[$3 " | " $5] = $6 }
/^kizuna_db_command_duration_seconds_count\{/ { n[$3 " | " $5] = $6 }
END { for (k in sum) printf "%.2f\t| %s | %.1f s | %d |\n", sum[k], k, sum[k], n[k] }
