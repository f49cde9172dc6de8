"""Write unseen5/sheet_holdout.csv and sheet_holdout_gold.csv from sheet_rows.py and check them:
line numbers point at the right rows, every indicator_id is in codebook.yaml, no region is in
/work/shared/figure_sheets/*.csv. No project code is imported."""
import csv, os, re, glob
from sheet_rows import ROWS
HERE = os.path.dirname(os.path.abspath(__file__)); BASE = os.path.dirname(HERE)
CB = os.path.join(BASE, '..', '..', '..', 'src', 'ruralstudy', 'codebook.yaml')
IDS = set(re.findall(r'^  - id: *"?([a-z0-9_]+)"?', open(CB, encoding='utf-8').read(), flags=re.M))
SRC = 'holdout5 test data (invented values, never published)'
def fmt(v):
    if isinstance(v, float):
        return f'{v:.6f}'.rstrip('0').rstrip('.')
    return v
with open(f'{BASE}/sheet_holdout.csv', 'w', encoding='utf-8', newline='') as f:
    w = csv.writer(f, lineterminator='\n')
    w.writerow('region,province,admin_level,year,construct,indicator_label_zh,raw_value,source,url'.split(','))
    for r in ROWS:
        w.writerow([*r[:7], SRC, ''])
with open(f'{BASE}/sheet_holdout_gold.csv', 'w', encoding='utf-8', newline='') as f:
    w = csv.writer(f, lineterminator='\n')
    w.writerow(['line', 'indicator_id', 'value', 'year', 'period', 'note'])
    for i, r in enumerate(ROWS):
        ind, val, yr, per, note = r[7:]
        assert not ind or ind in IDS, ind
        assert ind or note, r
        w.writerow([i + 2, ind, fmt(val), yr, per, note])
# checks against the written files
lines = open(f'{BASE}/sheet_holdout.csv', encoding='utf-8').read().split('\n')
gold = list(csv.DictReader(open(f'{BASE}/sheet_holdout_gold.csv', encoding='utf-8')))
for g, r in zip(gold, ROWS):
    row = next(csv.reader([lines[int(g['line']) - 1]]))
    assert row[0] == r[0] and row[5] == r[5] and row[6] == r[6], (g, row)
seen = set()
for p in glob.glob('/work/shared/figure_sheets/*.csv'):
    seen |= {x['region'] for x in csv.DictReader(open(p, encoding='utf-8'))}
regions = {r[0] for r in ROWS}
assert not regions & seen, regions & seen
from collections import Counter
ids = Counter(g['indicator_id'] for g in gold if g['indicator_id'])
print(f'{len(ROWS)} rows, {len(regions)} regions, {sum(ids.values())} with indicator_id ({len(ids)} ids), '
      f'{len(ROWS) - sum(ids.values())} without')
for k, n in sorted(ids.items()):
    print(f'    {k}: {n}')
