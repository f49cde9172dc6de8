# Helpers for writing the unseen5 gold rows by hand. No project code is imported.
#
# R(...) is one figure with both its figure fields (gold_figures.csv) and its measurement
# fields (gold_measurements.csv). C(...) is a condition (threshold) figure.
#
#   raw, value, unit                    the figure as written, its value in base units, base unit
#   ent, prop, cond                     measured entity, property, conditions (';'-joined ids)
#   ind                                 indicator id (only when region-wide, observed, right body,
#                                       base and whole period); ival/year = the indicator value and
#                                       the year it describes (default: figure value, doc year)
#   q, kind, role, hi, before           qualifier, level|change|growth, observed|condition|target|rule,
#                                       value_high (ranges), value_before (changes)
#   scope, stmt, period                 region or the part named; statement (default from role);
#                                       period: year|year_to_date|part_year|several_years|''
#   note (measurement note), fnote (figure note)

NS = 'qualifier not adjacent to the number; span is the number'
TABLE = 'table cell: bare number, unit from the row label'
STMT = {'observed': 'observed', 'condition': 'threshold', 'target': 'target', 'rule': 'rule'}


def R(raw, value, unit, ent, prop, cond='', ind='', *, q='exact', kind='level', role='observed',
      scope='region', stmt=None, period='', year=None, hi='', before='', note='', fnote='',
      ival=None):
    return dict(raw=raw, value=value, unit=unit, entity=ent, property=prop, conditions=cond,
                indicator_id=ind, qualifier=q, kind=kind, role=role, scope=scope,
                statement=stmt or STMT[role], period=period, year=year, value_high=hi,
                value_before=before, mnote=note, fnote=fnote, ival=ival)


def C(raw, value, unit, ent, cond, q, *, scope='region', note='threshold', fnote='', period='',
      hi='', year=None):
    return R(raw, value, unit, ent, 'other', cond, q=q, role='condition', scope=scope,
             note=note, fnote=fnote, period=period, hi=hi, year=year)
