// The simulated vehicle: physical values as smooth functions of time since the start, in the
// units of telemetry.dbc, always inside the ranges it declares. The ECUs encode these; nothing
// here knows about CAN.

const GEAR_TOP_SPEED = [0, 20, 40, 65, 90, 120, 300]; // km/h where each gear ends
const GEAR_RATIO = [0, 120, 70, 48, 36, 29, 24]; // rpm per km/h

/** A drive cycle: pull away, accelerate to ~95 km/h, brake, and again, every 20 s. */
function speedAt(t) {
  const phase = t % 20;
  if (phase < 12) return 95 * (1 - Math.exp(-phase / 4)); // accelerating, then cruising
  if (phase < 16) return 95 * (1 - Math.exp(-3)) * (1 - (phase - 12) / 4) ** 1.5; // braking to a stop
  return 0; // waiting at a light
}

/**
 * Everything the ECUs send at `t` seconds, by DBC message: a list of signal values per message,
 * one entry per frame of its cycle (the multiplexed BatteryCells has one per cell group).
 */
export function vehicleState(t) {
  const speed = speedAt(t);
  const accel = (speedAt(t + 0.05) - speedAt(t)) / 0.05 / 3.6; // m/s^2
  let gear = 0;
  if (speed > 0.5) while (gear < 6 && speed > GEAR_TOP_SPEED[gear]) gear++;
  const rpm = gear === 0 ? 850 : Math.min(6500, Math.max(1100, speed * GEAR_RATIO[gear]));
  const warm = 1 - Math.exp(-t / 30); // engine and battery warming up
  const load = Math.max(0, accel) / 3; // 0..~2 while accelerating
  // The voltage sags under load; each cell a little apart from the others.
  const cell = (i) => Math.max(3, 3.9 - 0.1 * load - 0.004 * i - 0.001 * t);
  return {
    VehicleSpeed: [{ VehicleSpeed: speed, BrakePressed: accel < -0.5 ? 'Pressed' : 'Released', LongitudinalAccel: Math.max(-19, Math.min(19, accel)) }],
    EngineData: [{ EngineSpeed: rpm, ThrottlePosition: Math.min(100, 8 + 45 * load), Gear: gear }],
    BatteryCells: [0, 1, 2].map((group) => ({
      CellGroup: group,
      [`CellVoltage${2 * group + 1}`]: cell(2 * group + 1),
      [`CellVoltage${2 * group + 2}`]: cell(2 * group + 2),
      ModuleTemperature: 22 + 8 * warm,
    })),
    ET1: [{ EngineCoolantTemp: 20 + 68 * warm, EngineFuelTemp: 18 + 20 * warm, EngineOilTemp: 20 + 75 * warm }],
  };
}
