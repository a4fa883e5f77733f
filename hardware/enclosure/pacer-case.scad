// pacer case: a Raspberry Pi Zero 2 W, a 0.96"/1.3" I2C OLED, a coin vibration motor,
// three buttons and a LiPo (or a PiSugar) in a two-part printed box.
//
//   variant = "armband"    strap slots at both ends, for a 25 mm arm band
//   variant = "handlebar"  a saddle for a round bar with grooves for two silicone bands
//   part    = "base" | "lid" | "both" (print layout) | "assembly" (preview, lid on)
//
//   openscad -D 'variant="armband"' -D 'part="base"' -o base.stl pacer-case.scad
//   openscad -D 'variant="handlebar"' -D 'part="base"' -o base-bar.stl pacer-case.scad
//   openscad -D 'part="lid"' -o lid.stl pacer-case.scad
//
// All sizes in mm. Measure your own OLED module (the window position varies between
// makers) and battery, and set the parameters below; see README.md for printing.

/* [What to render] */
variant = "armband"; // [armband, handlebar]
part = "both"; // [base, lid, both, assembly]

/* [Raspberry Pi Zero 2 W] */
pi_size = [65, 30];
pi_pcb = 1.2;
pi_hole_inset = 3.5;
pi_hole_d = 2.75;
// Tallest part on top of the board (the SiP and the micro-USB sockets).
pi_top_parts = 2.6;
// Centres of the micro-USB sockets from the microSD end (data "USB", then "PWR").
usb_x = [41.4, 54.0];
// microSD slot, centre from the port edge.
sd_y = 16.9;

/* [Battery bay under the Pi] */
// 103450 LiPo (2000 mAh, the BOM's cell: docs/power.md): 50 x 34 x 10. A 603450
// (1200 mAh): [50, 34, 6]. PiSugar 3: [65, 30, 10.5].
battery = [50, 34, 10];
// USB socket of the charger (or the PiSugar) in the end wall opposite the microSD slot.
charge_port = [10, 5];

/* [OLED module] */
oled_pcb = [27.3, 27.8];
oled_hole_inset = 2.0;
oled_hole_d = 1.8;
// Visible area and its offset from the module's centre (positive: away from the pins).
oled_view = [23.0, 12.0];
oled_view_offset = [0, 1.5];
// Glass plus board, from the lid's underside down.
oled_thickness = 4.0;

/* [Buttons] */
button_count = 3;
button_pitch = 11;
button_hole_d = 3.8;
button_body = 6.4;

/* [Motor] */
motor_d = 10.4;

/* [Case] */
wall = 2.0;
floor_t = 2.0;
lid_t = 2.0;
gap = 1.0;
// Space at each end for the lid screws (M2 x 8 self-tapping).
end_space = 6;
// Room for wires between the Pi and the OLED.
wiring = 4.0;
screw_pilot_d = 1.7;
screw_clear_d = 2.4;
window_margin = 2.0;
window_sheet = 1.0;

/* [Arm band] */
strap_width = 25;
strap_thickness = 2.5;
lug_length = 8;

/* [Handlebar] */
bar_d = 22.2; // 22.2 flat bar, 25.4 or 31.8 road bar
band_groove = [4, 1.5];

$fn = 48;

// ----------------------------------------------------------------- derived sizes
inner = [pi_size[0] + 2 * end_space, max(pi_size[1], battery[1]) + 2 * gap];
outer = [inner[0] + 2 * wall, inner[1] + 2 * wall];
bay = battery[2] + 1;
pcb_z = floor_t + bay; // underside of the Pi
above = pi_top_parts + wiring + oled_thickness;
base_h = pcb_z + pi_pcb + above;
pi_origin = [wall + end_space, wall + (inner[1] - pi_size[1]) / 2];
pi_holes = [for (x = [pi_hole_inset, pi_size[0] - pi_hole_inset])
            for (y = [pi_hole_inset, pi_size[1] - pi_hole_inset]) [x, y]];
boss_xy = [for (x = [wall + end_space / 2, outer[0] - wall - end_space / 2])
           for (y = [wall + 3, outer[1] - wall - 3]) [x, y]];
oled_origin = [wall + end_space + 2, (outer[1] - oled_pcb[1]) / 2];
buttons_x0 = oled_origin[0] + oled_pcb[0] + 8;
button_xy = [for (i = [0 : button_count - 1])
             [buttons_x0 + i * button_pitch, outer[1] / 2 + (i % 2 == 1 ? 5 : -2)]];

module rounded_box(size, r = 2) {
  hull() for (x = [r, size[0] - r]) for (y = [r, size[1] - r])
    translate([x, y, 0]) cylinder(r = r, h = size[2]);
}

// ----------------------------------------------------------------- base
module base() {
  difference() {
    union() {
      difference() {
        rounded_box([outer[0], outer[1], base_h]);
        translate([wall, wall, floor_t]) cube([inner[0], inner[1], base_h]);
      }
      // Pi standoffs up to the underside of the board.
      for (h = pi_holes) translate([pi_origin[0] + h[0], pi_origin[1] + h[1], 0])
        cylinder(d = 5.5, h = pcb_z);
      // Lid screw bosses in the end spaces.
      for (b = boss_xy) translate([b[0], b[1], 0]) cylinder(d = 5, h = base_h);
      if (variant == "armband") armband_lugs();
      if (variant == "handlebar") bar_saddle_body();
    }
    // Screw holes: M2.5 for the Pi (self-tapping), pilots for the lid.
    for (h = pi_holes) translate([pi_origin[0] + h[0], pi_origin[1] + h[1], floor_t])
      cylinder(d = 2.2, h = pcb_z);
    for (b = boss_xy) translate([b[0], b[1], floor_t + 2]) cylinder(d = screw_pilot_d, h = base_h);
    // Motor pocket in the floor, at the microSD end between the Pi posts: the motor
    // presses on the floor, the floor on the arm.
    translate([pi_origin[0] + pi_hole_inset, outer[1] / 2, floor_t - 1])
      cylinder(d = motor_d, h = 2);
    // micro-USB sockets (data and power) in the port-side wall.
    for (x = usb_x) translate([pi_origin[0] + x - 5.5, -1, pcb_z + pi_pcb - 2])
      cube([11, wall + 2, 7.5]);
    // microSD slot in the end wall.
    translate([-1, pi_origin[1] + sd_y - 7, pcb_z - 2.5]) cube([wall + end_space + 1, 14, 4]);
    // The charger's USB socket in the opposite end wall, at battery level.
    translate([outer[0] - wall - 1, (outer[1] - charge_port[0]) / 2, floor_t + 0.5])
      cube([wall + 2, charge_port[0], charge_port[1]]);
    if (variant == "handlebar") bar_saddle_cut();
  }
}

module armband_lugs() {
  for (side = [0, 1]) {
    x0 = side == 0 ? -lug_length : outer[0] - 2;
    difference() {
      translate([x0, 0, 0]) rounded_box([lug_length + 2, outer[1], 3.2], r = 1.5);
      // The strap slot, centred on the lug.
      translate([x0 + (lug_length + 2 - strap_thickness - 1) / 2 + (side == 0 ? -1 : 1),
                 (outer[1] - strap_width - 1) / 2, -1])
        cube([strap_thickness + 1, strap_width + 1, 6]);
    }
  }
}

saddle_h = bar_d / 4 + 3;
module bar_saddle_body() {
  translate([0, 0, -saddle_h]) rounded_box([outer[0], outer[1], saddle_h + 1]);
}

module bar_saddle_cut() {
  // The bar runs along the case, under it: the screen faces the rider, landscape.
  translate([-1, outer[1] / 2, -saddle_h - bar_d / 2 + bar_d / 4])
    rotate([0, 90, 0]) cylinder(d = bar_d, h = outer[0] + 2);
  // Grooves across the saddle for two silicone bands (or cable ties) around the bar.
  for (x = [outer[0] * 0.25, outer[0] * 0.75])
    difference() {
      translate([x - band_groove[0] / 2, -1, -saddle_h - 1]) cube([band_groove[0], outer[1] + 2, saddle_h]);
      translate([x - band_groove[0], band_groove[1], -saddle_h - 2])
        cube([band_groove[0] * 2, outer[1] - 2 * band_groove[1], saddle_h + 1]);
    }
}

// ----------------------------------------------------------------- lid
// Modelled as it sits on the case (outside face up); printed upside down.
module lid() {
  view_c = [oled_origin[0] + oled_pcb[0] / 2 + oled_view_offset[0],
            oled_origin[1] + oled_pcb[1] / 2 + oled_view_offset[1]];
  difference() {
    union() {
      rounded_box([outer[0], outer[1], lid_t]);
      // Pegs for the OLED module's corner holes, from the underside.
      for (x = [oled_hole_inset, oled_pcb[0] - oled_hole_inset])
        for (y = [oled_hole_inset, oled_pcb[1] - oled_hole_inset])
          translate([oled_origin[0] + x, oled_origin[1] + y, -2.5])
            cylinder(d = oled_hole_d - 0.2, h = 2.5);
      // Spacers that hold the module's glass against the window sheet.
      for (x = [oled_hole_inset, oled_pcb[0] - oled_hole_inset])
        for (y = [oled_hole_inset, oled_pcb[1] - oled_hole_inset])
          translate([oled_origin[0] + x, oled_origin[1] + y, -window_sheet])
            cylinder(d = 4, h = window_sheet);
    }
    // The window, and a pocket on the underside for the clear sheet.
    translate([view_c[0] - oled_view[0] / 2, view_c[1] - oled_view[1] / 2, -1])
      cube([oled_view[0], oled_view[1], lid_t + 2]);
    translate([view_c[0] - oled_view[0] / 2 - window_margin,
               view_c[1] - oled_view[1] / 2 - window_margin, -1])
      cube([oled_view[0] + 2 * window_margin, oled_view[1] + 2 * window_margin,
            window_sheet + 1]);
    // Button stems through the lid, the switch bodies in shallow pockets underneath.
    for (b = button_xy) {
      translate([b[0], b[1], -1]) cylinder(d = button_hole_d, h = lid_t + 2);
      translate([b[0] - button_body / 2, b[1] - button_body / 2, -1])
        cube([button_body, button_body, 1.8]);
    }
    // Countersunk lid screws.
    for (b = boss_xy) translate([b[0], b[1], -1]) {
      cylinder(d = screw_clear_d, h = lid_t + 2);
      translate([0, 0, lid_t + 1 - 1.2]) cylinder(d1 = screw_clear_d, d2 = 4.4, h = 1.21);
    }
  }
}

// ----------------------------------------------------------------- output
if (part == "base") base();
if (part == "lid") translate([0, outer[1], lid_t]) rotate([180, 0, 0]) lid();
if (part == "both") {
  base();
  translate([0, 2 * outer[1] + 10, lid_t]) rotate([180, 0, 0]) lid();
}
if (part == "assembly") {
  base();
  translate([0, 0, base_h]) lid();
}
echo(str("pacer case ", variant, ": ", outer[0], " x ", outer[1], " x ", base_h + lid_t,
         " mm (without lugs or saddle)"));
