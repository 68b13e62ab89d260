"""``survrepro digitize``: curves, numbers at risk and censor marks read from a KM figure."""
from __future__ import annotations

from survrepro.errors import InputError

DESCRIPTION = """\
Read a published Kaplan-Meier figure without clicking. A PDF page (--page N) or an SVG is
read from its drawing and text operators, so the curves come out in axis units exactly:
the axes and their tick labels, the curves (by stroke colour and dash), censor marks, the
legend labels and the numbers-at-risk table under the x axis. A PNG or JPEG is traced pixel
by pixel (curves by colour, and by dash within a colour); its tick labels and numbers at risk
are recognized from their digits, and when an axis's labels cannot be read, --x-range and
--y-range give the values of its first and last ticks (given, they override). CURVES.csv gets
time,survival,arm, one row per corner of each step, ready for `survrepro reconstruct
--curve`; ATRISK.csv time,n_at_risk,arm; CENSOR.csv time,arm; --overlay draws what was
read over the figure. --reconstruct goes on to patient-level data (written to -o) with the
risk table read from the figure or given by --at-risk. A figure that cannot be read gets
one sentence saying what was not found, exit status 2, and nothing is written."""


def register(subparsers) -> None:
    p = subparsers.add_parser("digitize", help="curves, risk table and censor marks read from a KM figure (PDF, SVG, PNG)",
                              description=DESCRIPTION)
    p.add_argument("figure", metavar="FIGURE", help="the figure: .pdf, .svg, .png, .jpg")
    p.add_argument("-o", "--output", default=None, metavar="CURVES.csv",
                   help="where to write the curves (with --reconstruct: the patients, IPD.csv)")
    p.add_argument("--page", type=int, default=1, metavar="N", help="page of a PDF (default: 1)")
    p.add_argument("--at-risk-out", default=None, metavar="ATRISK.csv", help="where to write the numbers at risk read")
    p.add_argument("--censor-out", default=None, metavar="CENSOR.csv", help="where to write the censor marks read")
    p.add_argument("--overlay", default=None, metavar="CHECK.png", help="draw the curves read over the figure")
    p.add_argument("--x-range", default=None, metavar="A,B",
                   help="values of the first and last x ticks, instead of the tick labels")
    p.add_argument("--y-range", default=None, metavar="A,B",
                   help="values of the first and last y ticks, instead of the tick labels")
    p.add_argument("--arms", type=int, default=None, metavar="N",
                   help="number of curves expected (in an image: the N strongest colours)")
    p.add_argument("--json", action="store_true", help="print a JSON summary of what was read")
    p.add_argument("--reconstruct", action="store_true",
                   help="reconstruct patient-level data (to -o) from the curves and the risk table")
    p.add_argument("--at-risk", default=None, metavar="ATRISK.csv",
                   help="numbers at risk for --reconstruct when the figure's table was not read")
    p.set_defaults(func=run)


def run(args) -> int:
    import json

    from survrepro.io import read_at_risk, save_figure, write_csv, write_json  # noqa: F401
    from survrepro.sources.digitize import digitize

    if args.reconstruct and not args.output:
        raise InputError("--reconstruct needs -o IPD.csv, where to write the patients.")
    if args.at_risk and not args.reconstruct:
        raise InputError("--at-risk is the risk table for --reconstruct; give --reconstruct as well.")
    if args.page < 1:
        raise InputError(f"--page: expected a page number >= 1; got {args.page}.")
    res = digitize(args.figure, page=args.page, x_range=args.x_range, y_range=args.y_range, arms=args.arms)
    table = res.at_risk
    if args.at_risk_out and table is None:
        raise InputError(f"--at-risk-out: {args.figure}: no numbers-at-risk table was read, so there is nothing to write.")
    ipd = fidelity = None
    if args.reconstruct:
        from survrepro.sources.reconstruct import reconstruct

        if args.at_risk:
            table = read_at_risk(args.at_risk)
        if table is None:
            raise InputError(f"--reconstruct: {args.figure}: no numbers-at-risk table was read; give it with --at-risk ATRISK.csv.")
        rec = reconstruct(res.to_frame(), table, curve_source=f"curves read from {args.figure}",
                          at_risk_source=str(args.at_risk or f"risk table read from {args.figure}"))
        ipd = rec.to_frame()
        fidelity = rec.fidelity()
    fig = None
    if args.overlay:
        from survrepro.sources.digitize.overlay import overlay_figure

        image = None
        if res.kind == "pdf":
            from survrepro.sources.digitize.vector import render_pdf_page

            image = render_pdf_page(args.figure, args.page, scale=2.0)
        elif res.kind in ("png", "jpeg"):
            from survrepro.sources.digitize.raster import load_image

            image = load_image(args.figure)
        else:
            res.notes.append("overlay: the SVG is not rendered; the curves read are drawn alone on axes")
        fig = overlay_figure(res, image=image)
    # write everything once everything is ready (each write is atomic)
    written = []
    if args.output:
        write_csv(args.output, ipd if ipd is not None else res.to_frame())
        written.append(args.output)
    if args.at_risk_out:
        write_csv(args.at_risk_out, res.at_risk)
        written.append(args.at_risk_out)
    if args.censor_out:
        write_csv(args.censor_out, res.censor)
        written.append(args.censor_out)
    if fig is not None:
        save_figure(fig, args.overlay, bbox_inches=None)
        written.append(args.overlay)
    if args.json:
        out = res.summary()
        out["written"] = [str(w) for w in written]
        if fidelity is not None:
            out["reconstruction"] = fidelity.get("comparison")
        print(json.dumps(out, indent=2, allow_nan=False))
        return 0
    for line in _lines(res):
        print(line)
    if fidelity is not None:
        from survrepro.cli.reconstruct import _summary_lines

        for line in _summary_lines(fidelity):
            print(line)
    if written:
        print("wrote " + " and ".join(str(w) for w in written))
    return 0


def _lines(res) -> list:
    s = res.summary()
    lines = [f"{res.source}: {res.kind}, {len(s['arms'])} curve(s); x axis from {s['x_axis']['read_from']}, "
             f"y axis from {s['y_axis']['read_from']}" + (" (percent)" if s["y_axis"]["percent"] else "")]
    for a in s["arms"]:
        text = f"  arm {a['arm']}: {a['points']} corners to time {a['last_time']:g} (survival {a['last_survival']:.3f}), {a['censor_marks']} censor marks"
        if "at_risk" in a:
            text += "; at risk " + ", ".join(f"{t:g}: {n}" for t, n in a["at_risk"])
        lines.append(text)
    lines += [f"  note: {n}" for n in s["notes"]]
    return lines
