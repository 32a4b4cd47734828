"""The raw-file readers (TSO area balances, JEPX spot, JMA hourly) on every shared file.

Tests that read `../shared/data/japan_real/` skip when it is absent (a user's clone);
the bad-file tests write their own small files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planner.datasets import jepx, jma, tso
from planner.datasets.rawcsv import DataError
from planner.errors import PlannerError

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "japan_real"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason=f"raw data folder {REAL} not present")
HEADER_30MIN = (
    "単位[MW平均],,,供給力\n"
    "DATE,TIME,エリア需要,原子力,火力(LNG),火力(石炭),火力(石油),火力(その他),水力,地熱,"
    "バイオマス,太陽光発電実績,太陽光出力制御量,風力発電実績,風力出力制御量,揚水,蓄電池,"
    "連系線,その他,合計\n"
)


def _tso_files() -> list[Path]:
    folders = ("tso_area_30min_fy2024", "tso_area_hourly_fy2016_cy2023", "tso_tokyo_hourly_fy2019")
    return sorted(
        p for f in folders for p in (REAL / f).rglob("*") if p.suffix.lower() in (".csv", ".txt")
    )


@needs_real
@pytest.mark.slow
def test_every_tso_file_parses():
    files = _tso_files()
    assert len(files) > 350
    for path in files:
        frame = tso.read_file(path)
        assert {"demand", "solar", "wind"} <= set(frame.columns), path
        assert len(frame) >= 24 * 28, path
        assert frame["demand"].notna().all(), path
        assert (frame["demand"] >= 0).all(), path  # 0 in the Hokkaido blackout of Sep 2018
        step = np.diff(frame.index.to_numpy()).astype("timedelta64[m]").astype(int)
        assert (step == 60).all(), path  # hourly, no duplicates, no gaps inside a file


@needs_real
@pytest.mark.slow
def test_fy2024_energy_matches_the_data_readme():
    ds = tso.read_area_balance(REAL / "tso_area_30min_fy2024")
    fy = ds.sel(time=slice("2024-04-01", "2025-03-31T23:00"))
    assert fy.sizes == {"area": 10, "time": 8760}
    twh = (fy["demand"].sum("time") / 1e6).to_series()
    readme = {"tokyo": 281, "kansai": 141, "chubu": 130, "kyushu": 88, "tohoku": 79}
    readme |= {"chugoku": 58, "hokkaido": 30, "hokuriku": 28, "shikoku": 26, "okinawa": 8.7}
    for area, value in readme.items():
        assert twh[area] == pytest.approx(value, rel=0.02), area
    assert float(fy["solar"].sel(area="tokyo").max()) == pytest.approx(16_700, rel=0.02)
    curtailed = float(fy["solar_curtailment"].sel(area="kyushu").sum()) / 1e6
    assert curtailed == pytest.approx(0.72, abs=0.01)
    # fuel split where given, thermal = its sum
    split = fy[["lng", "coal", "oil", "thermal_other"]].to_array().sum("variable")
    np.testing.assert_allclose(fy["thermal"], split)
    assert fy["demand"].attrs["units"] == "MW"


@needs_real
def test_kyushu_end_labels_and_30min_average():
    # Kyushu labels 0:30 .. 24:00 by slot end; the hour 0:00-1:00 is the mean of 0:30 and 1:00
    frame = tso.read_file(REAL / "tso_area_30min_fy2024" / "eria_jukyu_202404_09.csv")
    assert frame.index[0].isoformat() == "2024-04-01T00:00:00"
    assert frame["demand"].iloc[0] == pytest.approx((6980 + 6788) / 2)
    assert frame.index[-1].isoformat() == "2024-04-30T23:00:00"
    # Hokkaido: start labels, 30-day month padded with blank rows
    frame = tso.read_file(REAL / "tso_area_30min_fy2024" / "eria_jukyu_202404_01.csv")
    assert len(frame) == 720 and frame["demand"].iloc[0] == pytest.approx((3000 + 3038) / 2)


@needs_real
def test_older_hourly_formats():
    old = REAL / "tso_area_hourly_fy2016_cy2023"
    hokkaido = tso.read_file(old / "hokkaido" / "sup_dem_results_2016_1q.csv")
    assert hokkaido.loc["2016-04-01 01:00", "demand"] == 3282  # date only on the day's first row
    shikoku = tso.read_file(old / "shikoku" / "jukyu2016.csv")  # 万kW: x10
    assert shikoku.loc["2016-04-01 00:00", "demand"] == 2550
    assert len(shikoku) == 8760  # the annual total row is no hour
    tokyo = tso.read_file(REAL / "tso_tokyo_hourly_fy2019" / "area-2019.csv")
    assert tokyo.loc["2019-04-01 00:00", "demand"] == 25810 and len(tokyo) == 8784
    chubu = tso.read_file(old / "chubu" / "2016_areabalance_current_term.csv")
    assert chubu.loc["2016-04-01 12:00", "solar"] == 778  # 太陽光（実績）
    kansai = tso.read_file(old / "kansai" / "area_jyukyu_jisseki_2016.csv")
    assert {"solar", "solar_curtailment", "wind", "wind_curtailment"} <= set(kansai.columns)


@needs_real
def test_jepx_and_jma_every_file():
    spot = jepx.read_spot(REAL / "jepx_30min_cy2021_2024")
    assert spot.sizes["area"] == 9 and spot.sizes["time"] == 4 * 8760 + 24
    assert float(spot["system_price"].sel(time="2024-01-01T00:00")) == pytest.approx(11_750)
    assert not bool(spot["price"].isnull().any())
    for path in sorted((REAL / "jma_hourly").glob("*.csv")):
        obs = jma.read_hourly(path)
        assert obs.sizes["time"] > 7 * 8760, path
        assert obs["temperature"].isnull().mean() < 0.01, path
        assert -30 < float(obs["temperature"].min()) < float(obs["temperature"].max()) < 42
    tokyo = jma.read_hourly(REAL / "jma_hourly" / "tokyo.csv")
    assert float(tokyo["temperature"].sel(time="2016-01-01T00:00")) == 5.2  # 時 = 1 -> 0:00
    noon = tokyo["global_radiation"].sel(time=tokyo["time.hour"] == 11)
    assert 300 < float(noon.mean()) < 700  # W/m2 at midday, from MJ/m2 per hour


def test_bad_tso_cell_names_file_row_and_column(tmp_path):
    path = tmp_path / "eria_jukyu_202404_03.csv"
    row = "2024/4/1,0:00,100,0,1,1,1,1,1,0,0,0,0,0,0,0,0,0,0,100\n"
    path.write_text(HEADER_30MIN + row + row.replace("0:00,100", "0:30,abc"), encoding="cp932")
    with pytest.raises(DataError, match=r"eria_jukyu_202404_03.csv: row 4, column 'エリア需要'"):
        tso.read_area_balance([path])
    assert issubclass(DataError, PlannerError)


def test_tso_file_without_header_or_area(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="no header row"):
        tso.read_file(path)
    named = tmp_path / "balance.csv"
    named.write_text(HEADER_30MIN + "2024/4/1,0:00" + ",1" * 18 + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="cannot tell the area"):
        tso.read_area_balance(named)
    assert tso.read_area_balance(named, area="tokyo")["demand"].item() == 1


def test_bad_jepx_and_jma_files(tmp_path):
    spot = tmp_path / "spot_summary_2024.csv"
    spot.write_text("受渡日,時刻コード,システムプライス(円/kWh)\n2024/1/1,1,10\n", encoding="cp932")
    with pytest.raises(DataError, match="no column 'エリアプライス北海道'"):
        jepx.read_spot(spot)
    obs = tmp_path / "naha.csv"
    head = "date,時,気温 (℃),全天 日射量 (MJ/㎡)\n2016-01-01,時,気温 (℃),全天 日射量 (MJ/㎡)\n"
    obs.write_text(head + "2016-01-01,1,5.2,\n2016-01-01,2,warm,\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"naha.csv: row 4, column '気温 \(℃\)'"):
        jma.read_hourly(obs)


DAILY = REAL / "tso_tokyo_okinawa_daily_cy2023" / "juyo"


@needs_real
@pytest.mark.slow
def test_every_daily_denki_yoho_file_parses_and_its_two_blocks_agree():
    from planner.datasets import denki_yoho
    from planner.datasets.rawcsv import read_rows

    files = sorted(DAILY.rglob("*.csv"))
    assert len(files) == 2 * 365
    ds = denki_yoho.read_daily(DAILY)
    assert set(ds["area"].values) == {"tokyo", "okinawa"}
    assert ds.sizes["time"] == 8760 and not ds["demand"].isnull().any()
    assert not ds["solar"].isnull().any() and float(ds["solar"].min()) >= 0.0
    night = ds["solar"].sel(time=ds["time.hour"] < 3)
    assert float(night.max()) == 0.0
    # the hourly block against the same file's 5-minute demand averaged to the hour
    rows = read_rows(files[0])
    h, _ = denki_yoho._block(rows, denki_yoho._HOURLY, files[0])
    f, labels = denki_yoho._block(rows, denki_yoho._FIVE_MIN, files[0])
    five = denki_yoho._values(rows, f, labels, denki_yoho._FIVE_MIN, files[0])
    hourly = denki_yoho.read_file(files[0])["demand"]
    np.testing.assert_allclose(five.resample("1h").mean().to_numpy(), hourly.to_numpy(), rtol=0.05)
    # Tokyo's calendar-2023 energy against FY2024 from the OCCTO 30-minute files
    fy2024 = tso.read_area_balance(REAL / "tso_area_30min_fy2024", area=None)
    tokyo_fy24 = fy2024["demand"].sel(area="tokyo").sel(time=slice("2024-04-01", "2025-03-31"))
    ratio = float(ds["demand"].sel(area="tokyo").sum()) / float(tokyo_fy24.sum())
    assert 0.95 < ratio < 1.05


def test_bad_daily_files_name_file_row_and_column(tmp_path):
    from planner.datasets import denki_yoho

    head = "DATE,TIME,当日実績(万kW),予測値(万kW)\n"
    hours = "".join(f"2023/1/1,{h}:00,100,100\n" for h in range(24))
    five = "DATE,TIME,当日実績(５分間隔値)(万kW),太陽光発電実績(５分間隔値)(万kW)\n"
    good = head + hours + "\n" + five + "2023/1/1,0:00,100,0\n"
    path = tmp_path / "tok" / "day.csv"
    path.parent.mkdir()
    path.write_text(good, encoding="utf-8")
    day = denki_yoho.read_file(path)
    assert len(day) == 24 and float(day["demand"].iloc[0]) == 1000.0  # 万kW -> MW
    path.write_text(good.replace("2023/1/1,5:00,100", "2023/1/1,5:00,x"), encoding="utf-8")
    with pytest.raises(DataError, match=r"day.csv: row 7, column '当日実績\(万kW\)'"):
        denki_yoho.read_file(path)
    path.write_text(head + hours, encoding="utf-8")
    with pytest.raises(DataError, match="no block headed DATE,TIME,当日実績"):
        denki_yoho.read_file(path)
    assert issubclass(DataError, PlannerError)


@needs_real
def test_the_one_excel_file_is_a_copy_of_a_csv_quarter_that_is_read():
    """The readers take CSV; the only .xls (Hokkaido 2018 Q2) has its CSV twin beside it."""
    excel = sorted(p for p in REAL.rglob("*") if p.suffix.lower() in (".xls", ".xlsx"))
    assert [p.name for p in excel] == ["sup_dem_results_2018_2q.xls"]
    assert excel[0].with_suffix(".csv").is_file()
