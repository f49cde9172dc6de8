"""Build unseen5/gold_figures.csv, gold_measurements.csv and regions.csv from the hand-written rows.

Each row's raw is searched in the text after the previous row (document order), guarding against
matches inside a longer number. Asserts text[start:end] == raw, no overlapping spans, field values
from the allowed lists, and prints every numeral-bearing stretch that no span covers (each one is
then checked by hand: dates, years, list numbers, programme names ...).
Usage: python3 build_gold.py [dev|holdout ...]   (default: every set that has a rows file)
No project code is imported.
"""
import csv, os, re, sys, importlib

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = os.path.dirname(HERE)
sys.path.insert(0, HERE)

REGIONS = {
    ('holdout5', '01_yearend_summary'): ('沭阳县', '江苏省', 'county', 2023),
    ('holdout5', '02_province_huanjie'): ('广西壮族自治区', '广西壮族自治区', 'province', 2021),
    ('holdout5', '03_income_bands'): ('岳西县', '安徽省', 'county', 2022),
    ('holdout5', '04_village_feature'): ('永泰县', '福建省', 'county', 2023),
    ('holdout5', '05_prefecture_table'): ('黄冈市', '湖北省', 'prefecture', 2022),
    ('holdout5', '06_english_county'): ('弥勒市', '云南省', 'county', 2022),
    ('holdout5', '07_traditional_mirror'): ('晋江市', '福建省', 'county', 2021),
    ('holdout5', '08_interview_numerals'): ('汝州市', '河南省', 'county', 2024),
}

UNITS = set('个 名 人 人次 户 元 岁 年 亩 公顷 公里 吨 公斤 座 间 条 对 把 头 支 家 份 件 次 倍 学时 平方米 % pp 天 项'.split())
QUAL = {'exact', 'more_than', 'less_than', 'at_least', 'at_most', 'about'}
KIND = {'level', 'change', 'growth'}
ROLE = {'observed', 'condition', 'target', 'rule'}
STMT = {'observed', 'target', 'rule', 'threshold', 'other'}
PERIOD = {'year', 'year_to_date', 'part_year', 'several_years', ''}
ENT = set('''village_party_org party_org branch_secretary two_committees_member village_committee_member
village_committee_chair branch_committee_member village_cadre party_member admin_village village_or_community
community village_committee collective cooperative first_secretary work_team work_team_member reserve_cadre
service_centre household population other'''.split())
PROP = set('''count share mean_age income_total income_operating income_per_village income_operating_per_village
income_growth assets pay per_capita_income amount change other'''.split())
CONDS = '''college highschool women under35 under40 under45 over50 over60 one_shoulder cross_post wealth_leader
graduate returnee veteran party standardised star weak rectified election_done new eliminated branch_led has_branch
no_income income_under5w income_5_10w income_over10w income_over20w income_over50w income_over100w weak_village
new_round per_village other'''.split()
CN = '零〇一二两兩三四五六七八九十百千万萬亿億'
EN_WORDS = r'\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|dozen|hundred|thousand|million|billion|half|double|twice)\b'


CODEBOOK = os.path.join(BASE, '..', '..', '..', 'src', 'ruralstudy', 'codebook.yaml')
IDS = set(re.findall(r'^  - id: *"?([a-z0-9_]+)"?', open(CODEBOOK, encoding='utf-8').read(), flags=re.M))


def build(sets):
    figs, meas, problems = [], [], []
    for s in sets:
        mod = importlib.import_module('rows_holdout')
        for doc, rows in mod.ROWS.items():
            region, prov, level, dyear = REGIONS[(s, doc)]
            path = f'{BASE}/holdout/{doc}.txt'
            text = open(path, encoding='utf-8').read()
            assert not text.startswith('\ufeff') and '\r' not in text, path
            cur = 0
            cov = [False] * len(text)
            for r in rows:
                raw = r['raw']
                i = cur
                while True:
                    i = text.find(raw, i)
                    assert i >= 0, (doc, raw, cur, text[cur:cur + 40])
                    prev = text[i - 1] if i else ''
                    nxt = text[i + len(raw):i + len(raw) + 1]
                    bad = (raw[0].isdigit() and (prev.isdigit() or prev in '.,')) \
                        or (raw[0] in CN and prev in CN) \
                        or (raw[-1].isdigit() and (nxt.isdigit() or (nxt in '.,' and text[i + len(raw) + 1:i + len(raw) + 2].isdigit())))
                    if not bad:
                        break
                    i += 1
                st, en = i, i + len(raw)
                assert text[st:en] == raw
                assert not any(cov[st:en]), ('overlap', doc, raw)
                for k in range(st, en):
                    cov[k] = True
                cur = en
                # field checks
                for f, allowed in (('unit', UNITS), ('qualifier', QUAL), ('kind', KIND), ('role', ROLE),
                                   ('statement', STMT), ('period', PERIOD), ('entity', ENT), ('property', PROP)):
                    if r[f] not in allowed:
                        problems.append(f'{doc} {raw}: {f}={r[f]!r}')
                cl = [c for c in r['conditions'].split(';') if c]
                if all(c in CONDS for c in cl):
                    cl = sorted(cl, key=CONDS.index)
                    r['conditions'] = ';'.join(cl)
                if any(c not in CONDS for c in cl) or cl != sorted(cl, key=CONDS.index):
                    problems.append(f'{doc} {raw}: conditions {r["conditions"]}')
                if r['indicator_id'] and r['indicator_id'] not in IDS:
                    problems.append(f'{doc} {raw}: unknown indicator {r["indicator_id"]}')
                if r['indicator_id']:
                    if r['scope'] != 'region' or r['statement'] != 'observed' or r['period'] not in ('year', ''):
                        problems.append(f'{doc} {raw}: indicator on non-region/non-observed/part period')
                if r['role'] == 'condition' and r['statement'] != 'threshold':
                    problems.append(f'{doc} {raw}: condition not threshold')
                if r['kind'] == 'change' and r['value_before'] == '':
                    problems.append(f'{doc} {raw}: change without value_before')
                year = r['year']
                if year is None:
                    year = '' if r['period'] == 'several_years' or r['role'] in ('condition', 'rule') else dyear
                ival = r['value'] if r['ival'] is None else r['ival']
                figs.append(dict(set=s, doc=doc, start=st, end=en, raw=raw, value=r['value'],
                                 value_high=r['value_high'], value_before=r['value_before'], unit=r['unit'],
                                 qualifier=r['qualifier'], kind=r['kind'], role=r['role'], note=r['fnote']))
                meas.append(dict(set=s, doc=doc, start=st, end=en, raw=raw, entity=r['entity'],
                                 property=r['property'], conditions=r['conditions'], scope=r['scope'],
                                 statement=r['statement'], period=r['period'], indicator_id=r['indicator_id'],
                                 value=ival, year=year, note=r['mnote']))
            pat = r'[0-9０-９]+(?:[.,:\- ][0-9]+)*|[' + CN + r']+|' + EN_WORDS
            for m in re.finditer(pat, text, flags=re.I):
                if not any(cov[m.start():m.end()]):
                    ctx = text[max(0, m.start() - 6):m.end() + 6].replace('\n', '⏎')
                    print(f'  UNCOVERED {s}/{doc} {m.start()}: {m.group()!r:12} …{ctx}…')
    return figs, meas, problems


def write(name, cols, rows):
    with open(f'{BASE}/{name}', 'w', encoding='utf-8', newline='') as f:
        w = csv.DictWriter(f, cols, lineterminator='\n')
        w.writeheader()
        for r in rows:
            w.writerow({c: r[c] for c in cols})


def fmt(v):
    if isinstance(v, float):
        s = f'{v:.6f}'.rstrip('0').rstrip('.')
        return s
    return v


if __name__ == '__main__':
    sets = ['holdout5']
    figs, meas, problems = build(sets)
    for rows in (figs, meas):
        for r in rows:
            for k in ('value', 'value_high', 'value_before'):
                if k in r:
                    r[k] = fmt(r[k])
    for p in problems:
        print('PROBLEM', p)
    assert not problems
    write('gold_figures.csv', 'set,doc,start,end,raw,value,value_high,value_before,unit,qualifier,kind,role,note'.split(','), figs)
    write('gold_measurements.csv', 'set,doc,start,end,raw,entity,property,conditions,scope,statement,period,indicator_id,value,year,note'.split(','), meas)
    docs = sorted({(r['set'], r['doc']) for r in figs})
    with open(f'{BASE}/regions.csv', 'w', encoding='utf-8', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['set', 'doc', 'region', 'province', 'admin_level', 'year'])
        for k in docs:
            w.writerow([*k, *REGIONS[k]])
    from collections import Counter
    for s in sets:
        fs = [r for r in meas if r['set'] == s]
        ids = Counter(r['indicator_id'] for r in fs if r['indicator_id'])
        print(f'{s}: {len(fs)} figures, {sum(ids.values())} with indicator_id, {len(ids)} ids')
        for d in sorted({r['doc'] for r in fs}):
            n = [r for r in fs if r['doc'] == d]
            print(f'   {d}: {len(n)} figures, {sum(1 for r in n if r["indicator_id"])} mapped')
