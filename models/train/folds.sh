# Speaker-independent folds, sourced by train.sh and evaluate.sh. fold_holdout N prints the
# --holdout argument of fold N (1-5):
#   RAVDESS: 5 folds of 4 actors. nEMO: 2 of its 8 speakers per fold (folds 1-4). ASED: every 5th
#   of its 61 speakers. TESS: leave-one-speaker-out in folds 1 (OAF) and 2 (YAF).
ravdess_folds=("01,02,03,04" "05,06,07,08" "09,10,11,12" "13,14,15,16" "17,18,19,20")
nemo_folds=("EB0,IC0" "KD0,MK0" "MP0,SM0" "TP0,WR0" "")
tess_folds=("OAF" "YAF" "" "" "")

fold_ased() {  # fold, wav dir
    tail -n +2 "$2/ased/manifest.csv" | cut -d, -f3 | sort -u | awk -v f="$(($1 - 1))" 'NR % 5 == f' | paste -sd, -
}

fold_holdout() {  # fold, wav dir
    local i=$(($1 - 1))
    local holdout="ravdess:${ravdess_folds[$i]};ased:$(fold_ased "$1" "$2")"
    if [ -n "${nemo_folds[$i]}" ]; then holdout="$holdout;nemo:${nemo_folds[$i]}"; fi
    if [ -n "${tess_folds[$i]}" ]; then holdout="$holdout;tess:${tess_folds[$i]}"; fi
    echo "$holdout"
}
