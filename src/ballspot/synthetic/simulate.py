"""Play a synthetic match: the ball's path, the players' runs, the events and their exact instants.

Play is a chain of states: a player with the ball at his feet decides a kick; the ball arrives somewhere
(a teammate, an opponent, a head, over a line); a dead ball is restarted after a camera cut. Every kick,
touch and line crossing is placed at an exact time on closed-form ball segments (`motion.py`), and that
time is the event's `position`. The `Director` (`scenario.py`) chooses which rare situation to head for.

Each class is told apart by motion alone, within about half a second of its instant:
PASS ground ball leaving a player's feet; DRIVE a ball taken in stride, turned and run with; HEADER a ball
at head height meeting a player and bouncing off upwards; HIGH PASS a ball rising steeply off its shadow;
CROSS a lofted ball from the wing of the attacking third into the box; SHOT a very fast ball at goal;
GOAL the ball crossing the goal line between the posts and stopping in the net; OUT the ball crossing a
line with nobody touching it; THROW IN a ball held above a head at the touchline, then thrown;
FREE KICK a ball at rest on the ground in front of a wall, then kicked; BALL PLAYER BLOCK a fast ball
stopped dead by a body and bouncing back; PLAYER SUCCESSFUL TACKLE an opponent running into a dribble and
knocking the ball away.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ballspot.arguments import is_number, is_whole
from ballspot.errors import BallspotError
from ballspot.synthetic import camera
from ballspot.synthetic.limits import MAX_MINUTES
from ballspot.synthetic.motion import (
    GRAVITY,
    ROLL_DECELERATION,
    Carry,
    Flight,
    Hold,
    NetStop,
    Roll,
    Segment,
    fly_to,
    line_crossing,
    position_at,
    roll_to,
    sample_path,
    time_to_cover,
    unit,
    with_end,
)
from ballspot.synthetic.pitch import (
    CENTRE,
    GOAL_HALF_WIDTH,
    LENGTH,
    PLAYERS_PER_TEAM,
    TEAM_SIDES,
    WIDTH,
    attacked_goal_x,
    clamp_to_pitch,
    in_crossing_zone,
    in_penalty_area,
    in_shooting_zone,
    inside,
    keeper_of,
    team_of,
    team_players,
    to_attack,
)
from ballspot.synthetic.players import TRACKED, home_positions, player_tracks
from ballspot.synthetic.scenario import Director, class_mix

FPS = 25
HEADER_HEIGHT = 1.3
"""A ball arriving above this height (m) is headed."""
MIN_TURN = math.radians(40)
"""A dribble turns at least this much away from the incoming ball, so the first touch is a clear change."""


@dataclass(frozen=True)
class Event:
    """One labelled action: `time` is the exact instant of the touch or of the line crossing."""

    label: str
    time: float
    team: int
    player: int = -1
    visibility: str = "visible"

    @property
    def position_ms(self) -> int:
        return int(round(self.time * 1000))

    @property
    def side(self) -> str:
        return TEAM_SIDES[self.team]


@dataclass(frozen=True)
class Match:
    """Everything needed to draw a synthetic game, and its ground truth."""

    fps: int
    ball: np.ndarray
    """(frames, 3): ball x, y, height in metres at each frame time."""
    players: np.ndarray
    """(frames, 23, 2): ground position of the 22 players and the referee (index 22)."""
    yaw: np.ndarray
    tilt: np.ndarray
    cuts: tuple[int, ...]
    """Frames where a new camera shot starts (a jump in the picture), 0 included."""
    events: tuple[Event, ...]
    style_seed: int
    """Seeds the look (kit and grass colours, lighting, noise), never the events."""

    @property
    def n_frames(self) -> int:
        return len(self.ball)

    @property
    def duration_s(self) -> float:
        return self.n_frames / self.fps

    def frame_of(self, event: Event) -> int:
        """The frame SoccerNet bins an event into: int(25 * position_ms / 1000)."""
        return int(self.fps * event.position_ms / 1000)


@dataclass(frozen=True)
class AtFeet:
    player: int
    t: float
    carrying: Carry | None = None
    incoming: tuple[float, float, float] | None = None
    """Velocity of a ball played first time (no control touch before the kick)."""


@dataclass(frozen=True)
class Arrival:
    player: int
    t: float
    pos: tuple[float, float, float]
    vel: tuple[float, float, float]


@dataclass(frozen=True)
class Restart:
    kind: str
    """kickoff, throw_in, free_kick, goal_kick or corner."""
    team: int
    spot: tuple[float, float]
    t: float


State = AtFeet | Arrival | Restart


def _rotate(u: tuple[float, float], angle: float) -> tuple[float, float]:
    c, s = math.cos(angle), math.sin(angle)
    return (u[0] * c - u[1] * s, u[0] * s + u[1] * c)


def _angle_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.acos(max(-1.0, min(1.0, a[0] * b[0] + a[1] * b[1])))


def _signed_angle(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.atan2(a[0] * b[1] - a[1] * b[0], a[0] * b[0] + a[1] * b[1])


def _attack_dir(team: int) -> tuple[float, float]:
    return (1.0, 0.0) if team == 0 else (-1.0, 0.0)


def _world(team: int, ax: float, y: float) -> tuple[float, float]:
    return float(to_attack(team, ax)), float(y)


class _Play:
    """The state of a match being played; each method plays one step and returns the next state."""

    def __init__(self, rng: np.random.Generator, duration: float, balanced: bool) -> None:
        self.rng = rng
        self.duration = duration
        self.director = Director(class_mix(balanced), rng)
        self.segments: list[Segment] = []
        self.anchors: list[list[tuple[float, float, float]]] = [[] for _ in range(TRACKED)]
        self.events: list[Event] = []
        self.cuts: list[float] = [0.0]

    # ---- bookkeeping -------------------------------------------------------------------------
    def u(self, low: float, high: float) -> float:
        return float(self.rng.uniform(low, high))

    def add(self, segment: Segment) -> Segment:
        if self.segments and abs(segment.t0 - self.segments[-1].t1) > 1e-6:
            raise AssertionError(f"ball path gap: {self.segments[-1].t1} -> {segment.t0}")
        self.segments.append(segment)
        return segment

    def ball(self) -> tuple[float, float, float]:
        """Where the ball is at the end of the path so far."""
        last = self.segments[-1]
        x, y, z = position_at(last, last.t1)
        return float(x), float(y), float(z)

    def now(self) -> float:
        return self.segments[-1].t1 if self.segments else 0.0

    def anchor(self, player: int, t: float, x: float, y: float) -> None:
        own = self.anchors[player]
        own[:] = [a for a in own if abs(a[0] - t) > 1e-3]
        own.append((t, float(x), float(y)))

    def event(self, label: str, t: float, team: int, player: int = -1) -> None:
        self.events.append(Event(label, t, team, player))
        self.director.record(label)

    def homes(self) -> np.ndarray:
        x, y, _ = self.ball()
        return home_positions(np.array([x]), np.array([y]))[0]

    def nearest(self, candidates: list[int], point: tuple[float, float], homes: np.ndarray) -> int:
        d = [math.hypot(homes[p, 0] - point[0], homes[p, 1] - point[1]) for p in candidates]
        return candidates[int(np.argmin(d))]

    def outfield(self, team: int, exclude: tuple[int, ...] = ()) -> list[int]:
        return [p for p in team_players(team) if p != keeper_of(team) and p not in exclude]

    def reachable(self, player: int, point: tuple[float, float], seconds: float, homes: np.ndarray) -> tuple:
        """`point`, pulled towards the player's place so he can run there in `seconds`."""
        hx, hy = homes[player]
        (ux, uy), dist = unit(point[0] - hx, point[1] - hy)
        limit = 7.0 * seconds + 2.0
        if dist > limit:
            point = (hx + ux * limit, hy + uy * limit)
        return clamp_to_pitch(*point, margin=1.5)

    def press(self, player: int, t: float) -> None:
        """The nearest opponent closes the ball down: part of the picture around every touch."""
        team = team_of(player)
        bx, by, _ = self.ball()
        homes = self.homes()
        presser = self.nearest(self.outfield(1 - team), (bx, by), homes)
        ax, ay = _attack_dir(team)
        side = self.u(-1.0, 1.0)
        dist = self.u(2.5, 5.0)
        self.anchor(presser, t, *clamp_to_pitch(bx + ax * dist - ay * side * 2, by + side * 2.0, 0.5))

    # ---- the loop ---------------------------------------------------------------------------------
    def run(self) -> None:
        state: State = Restart("kickoff", int(self.rng.integers(2)), CENTRE, 0.0)
        steps = 0
        while self.now() < self.duration or not self.segments:
            steps += 1
            if steps > 100_000:  # pragma: no cover - a bug, not an input problem
                raise AssertionError("synthetic match does not advance")
            if isinstance(state, Restart):
                state = self.restart(state)
            elif isinstance(state, Arrival):
                state = self.arrival(state)
            else:
                state = self.at_feet(state)

    # ---- receiving ----------------------------------------------------------------------------
    def arrival(self, a: Arrival) -> State:
        x, y, z = a.pos
        if z > HEADER_HEIGHT:
            return self.header(a)
        q, team = a.player, team_of(a.player)
        want = self.director.wanted()
        if want in ("PLAYER SUCCESSFUL TACKLE", "FREE KICK"):
            mode = "drive"
        elif want in ("SHOT", "GOAL", "BALL PLAYER BLOCK") and in_shooting_zone(team, x, y):
            mode = str(self.rng.choice(["one", "stop"]))
        else:
            p_drive = 0.72 if self.director.under("DRIVE") else 0.3
            mode = str(self.rng.choice(["drive", "one", "stop"], p=[p_drive, (1 - p_drive) * 0.4, (1 - p_drive) * 0.6]))
        incoming_dir, incoming_speed = unit(a.vel[0], a.vel[1])
        if mode == "one":
            return AtFeet(q, a.t, incoming=a.vel)
        if mode == "stop":
            hold = self.u(0.45, 1.3)
            self.add(Hold(a.t, a.t + hold, (x, y, 0.0)))
            for t in (a.t, a.t + hold):
                self.anchor(q, t, x + incoming_dir[0] * 0.4, y + incoming_dir[1] * 0.4)
            return AtFeet(q, a.t + hold)
        self.event("DRIVE", a.t, team, q)
        touches = int(self.rng.integers(2, 7))
        return self.carry(q, a.t, touches, incoming=incoming_dir if incoming_speed > 0.5 else None)

    def carry_direction(
        self, team: int, start: tuple[float, float], incoming: tuple[float, float] | None, length: float
    ) -> tuple[float, float]:
        want = self.director.want

        def fits(direction: tuple[float, float]) -> bool:
            end = (start[0] + direction[0] * length, start[1] + direction[1] * length)
            deep = want in ("SHOT", "GOAL") and to_attack(team, end[0]) > 93.0
            sharp = incoming is not None and _angle_between(incoming, direction) < MIN_TURN
            return inside(*end, margin=3.0) and not deep and not sharp

        if want in ("SHOT", "GOAL", "BALL PLAYER BLOCK"):
            goal = _world(team, 89.0, CENTRE[1])
            wish, _ = unit(goal[0] - start[0], goal[1] - start[1])
        elif want == "CROSS":
            wing_y = 6.0 if start[1] < CENTRE[1] else WIDTH - 6.0
            spot = _world(team, 84.0, wing_y)
            wish, _ = unit(spot[0] - start[0], spot[1] - start[1])
        else:
            wish = _rotate(_attack_dir(team), self.u(-1.0, 1.0))
        # the wish if it fits, else the nearest turn of it that does (on the pitch, turned from the ball)
        turns = [0.0] + [sign * k * 0.2 for k in range(1, 16) for sign in (1.0, -1.0)]
        for turn in turns:
            direction = _rotate(wish, turn)
            if fits(direction):
                return direction
        to_centre, _ = unit(CENTRE[0] - start[0], CENTRE[1] - start[1])
        return to_centre

    def carry(
        self,
        q: int,
        t: float,
        touches: int,
        incoming: tuple[float, float] | None = None,
        end_at: float | None = None,
        period: float | None = None,
    ) -> AtFeet:
        """A dribble of `touches` touches from the ball's current spot; the next kick is on a touch."""
        team = team_of(q)
        bx, by, _ = self.ball()
        speed, period = self.u(4.0, 6.2), period or self.u(0.5, 0.6)
        duration = touches * period
        direction = self.carry_direction(team, (bx, by), incoming, speed * duration + 1.0)
        lead0 = 0.45
        feet0 = (bx - direction[0] * lead0, by - direction[1] * lead0)
        seg = Carry(t, t + duration, feet0, (direction[0] * speed, direction[1] * speed), period, lead0)
        if end_at is not None:
            seg = with_end(seg, end_at)
        self.add(seg)
        for k in range(touches + 1):
            tk = t + k * period
            if tk <= seg.t1 + 1e-9:
                self.anchor(q, tk, *seg.feet(tk))
        self.anchor(q, seg.t1, *seg.feet(seg.t1))
        return AtFeet(q, seg.t1, carrying=seg)

    # ---- deciding a kick ------------------------------------------------------------------------
    def at_feet(self, s: AtFeet) -> State:
        q, t, team = s.player, s.t, team_of(s.player)
        bx, by, _ = self.ball()
        self.press(q, t)
        want = self.director.wanted()
        shooting = in_shooting_zone(team, bx, by)
        crossing = in_crossing_zone(team, bx, by)
        if want in ("SHOT", "GOAL"):
            return self.shot(q, t, outcome="goal" if want == "GOAL" else None) if shooting else self.advance(s, "shot")
        if want == "BALL PLAYER BLOCK":
            return self.shot(q, t, outcome="block") if shooting else self.pass_blocked(s)
        if want == "CROSS":
            return self.cross(q, t) if crossing else self.advance(s, "cross")
        if want == "HEADER":
            return self.cross(q, t, header=True) if crossing else self.high_pass(q, t, header=True)
        if want == "HIGH PASS" and not crossing:
            return self.high_pass(q, t)
        if want in ("OUT", "THROW IN"):
            return self.pass_out(q, t)
        if want in ("PLAYER SUCCESSFUL TACKLE", "FREE KICK"):
            if s.carrying is None:
                self.event("DRIVE", t, team, q)
            return self.challenge(q, t, foul=want == "FREE KICK")
        if shooting and self.director.under("SHOT") and self.rng.random() < 0.5:
            return self.shot(q, t)
        if crossing and self.director.under("CROSS") and self.rng.random() < 0.5:
            return self.cross(q, t)
        if s.carrying is None and s.incoming is None and self.director.under("DRIVE") and self.rng.random() < 0.3:
            self.event("DRIVE", t, team, q)
            return self.carry(q, t, int(self.rng.integers(2, 5)))
        return self.build_pass(s)

    def advance(self, s: AtFeet, zone: str) -> State:
        """Move the ball towards the zone where the wanted action can happen."""
        q, t, team = s.player, s.t, team_of(s.player)
        if s.carrying is not None and self.rng.random() < 0.5:
            return self.carry(q, t, int(self.rng.integers(2, 4)))
        if s.carrying is None and s.incoming is None and self.director.deficit("DRIVE") > self.director.deficit("PASS"):
            self.event("DRIVE", t, team, q)
            return self.carry(q, t, int(self.rng.integers(2, 5)))
        bx, by, _ = self.ball()
        if zone == "shot":
            goal_side = _world(team, self.u(82.0, 91.0), CENTRE[1] + self.u(-11.0, 11.0))
        else:
            wing_y = self.u(4.0, 10.0) if by < CENTRE[1] else WIDTH - self.u(4.0, 10.0)
            goal_side = _world(team, self.u(76.0, 90.0), wing_y)
        (ux, uy), dist = unit(goal_side[0] - bx, goal_side[1] - by)
        if dist > 22.0 and self.director.deficit("HIGH PASS") > max(self.director.deficit("PASS"), 0.0):
            return self.high_pass(q, t, toward=goal_side if dist <= 45.0 else None)
        if dist > 30.0:
            step = self.u(16.0, 26.0)
            goal_side = (bx + ux * step, by + uy * step + self.u(-4.0, 4.0))
        return self.build_pass(s, toward=goal_side)

    def build_pass(self, s: AtFeet, toward: tuple[float, float] | None = None, label: str = "PASS") -> State:
        """A ground pass to a teammate: forward by preference, towards `toward` when heading somewhere."""
        q, t, team = s.player, s.t, team_of(s.player)
        bx, by, _ = self.ball()
        homes = self.homes()
        incoming = unit(s.incoming[0], s.incoming[1])[0] if s.incoming is not None else None
        options: list[tuple[float, int, tuple[float, float]]] = []
        for p in team_players(team):
            if p == q:
                continue
            if toward is not None:
                target = toward if p == self.nearest(self.outfield(team, (q,)), toward, homes) else None
                if target is None:
                    continue
            else:
                target = (homes[p, 0] + self.u(-2.5, 2.5), homes[p, 1] + self.u(-2.5, 2.5))
            target = clamp_to_pitch(*target, margin=1.5)
            direction, dist = unit(target[0] - bx, target[1] - by)
            if not 8.0 <= dist <= 32.0:
                continue
            if incoming is not None and _angle_between(incoming, direction) < math.radians(35):
                continue
            forward = (to_attack(team, target[0]) - to_attack(team, bx)) / dist
            weight = math.exp(1.2 * forward) * (0.25 if p == keeper_of(team) else 1.0)
            options.append((weight, p, target))
        if not options:
            if toward is not None:
                return self.build_pass(s, label=label)
            if label != "PASS":
                return self.high_pass(q, t, label=label)
            if s.incoming is not None:  # nobody to play first time: control it instead
                hold = self.u(0.4, 0.8)
                self.add(Hold(t, t + hold, (bx, by, 0.0)))
                return AtFeet(q, t + hold)
            if s.carrying is None:
                self.event("DRIVE", t, team, q)
            return self.carry(q, t, 2)
        weights = np.array([o[0] for o in options])
        _, receiver, target = options[int(self.rng.choice(len(options), p=weights / weights.sum()))]
        duration = max(math.hypot(target[0] - bx, target[1] - by) / self.u(7.5, 11.5), 0.5)
        target = self.reachable(receiver, target, duration, homes)
        if toward is None and self.rng.random() < 0.06:  # intercepted: an opponent steps into the lane
            frac = self.u(0.5, 0.75)
            cut = (bx + (target[0] - bx) * frac, by + (target[1] - by) * frac)
            receiver = self.nearest(self.outfield(1 - team), cut, homes)
            target = cut
        return self.kick_ground(q, t, receiver, target, label)

    # ---- kicks ----------------------------------------------------------------------------------
    def kick_ground(
        self, kicker: int, t: float, receiver: int, target: tuple[float, float], label: str | None, avg_speed=None
    ) -> Arrival:
        bx, by, _ = self.ball()
        direction, dist = unit(target[0] - bx, target[1] - by)
        duration = max(dist / (avg_speed or self.u(7.5, 11.5)), 0.5)
        roll = self.add(roll_to(t, (bx, by), target, duration))
        self.anchor(kicker, t, bx - direction[0] * 0.5, by - direction[1] * 0.5)
        if label:
            self.event(label, t, team_of(kicker), kicker)
        arrive = t + duration
        self.anchor(receiver, arrive, target[0] + direction[0] * 0.35, target[1] + direction[1] * 0.35)
        v_end = roll.speed - roll.decel * duration
        return Arrival(receiver, arrive, (target[0], target[1], 0.0), (direction[0] * v_end, direction[1] * v_end, 0.0))

    def kick_air(
        self, kicker: int, t: float, receiver: int, end: tuple[float, float, float], duration: float, label: str | None
    ) -> Arrival:
        bx, by, bz = self.ball()
        flight = self.add(fly_to(t, (bx, by, bz), end, duration))
        direction, _ = unit(end[0] - bx, end[1] - by)
        self.anchor(kicker, t, bx - direction[0] * 0.5, by - direction[1] * 0.5)
        if label:
            self.event(label, t, team_of(kicker), kicker)
        arrive = t + duration
        behind = 0.1 if end[2] > HEADER_HEIGHT else 0.3
        self.anchor(receiver, arrive, end[0] + direction[0] * behind, end[1] + direction[1] * behind)
        vx, vy, vz = flight.velocity
        return Arrival(receiver, arrive, end, (vx, vy, vz - GRAVITY * duration))

    def high_pass(
        self,
        q: int,
        t: float,
        header: bool | None = None,
        label: str = "HIGH PASS",
        toward: tuple[float, float] | None = None,
    ) -> State:
        team = team_of(q)
        bx, by, _ = self.ball()
        homes = self.homes()
        options = []
        if toward is not None:
            receiver = self.nearest(self.outfield(team, (q,)), toward, homes)
            dist = max(math.hypot(toward[0] - bx, toward[1] - by), 1.0)
            options.append((1.0, receiver, clamp_to_pitch(*toward, margin=2.0), dist))
        for p in self.outfield(team, (q,)) if toward is None else ():
            target = clamp_to_pitch(homes[p, 0] + self.u(-3, 3), homes[p, 1] + self.u(-3, 3), margin=2.0)
            dist = math.hypot(target[0] - bx, target[1] - by)
            if in_penalty_area(team, *target) and in_crossing_zone(team, bx, by):
                continue  # that would be a cross
            if 20.0 <= dist <= 50.0:
                forward = (to_attack(team, target[0]) - to_attack(team, bx)) / dist
                options.append((math.exp(forward), p, target, dist))
        if not options:
            far = max(self.outfield(team, (q,)), key=lambda p: math.hypot(homes[p, 0] - bx, homes[p, 1] - by))
            target = clamp_to_pitch(homes[far, 0], homes[far, 1], margin=2.0)
            options = [(1.0, far, target, max(math.hypot(target[0] - bx, target[1] - by), 1.0))]
        weights = np.array([o[0] for o in options])
        _, receiver, target, dist = options[int(self.rng.choice(len(options), p=weights / weights.sum()))]
        duration = float(np.clip(dist / self.u(14.0, 19.0), 1.4, 2.8))
        target = self.reachable(receiver, target, duration, homes)
        if header is None:
            header = self.director.under("HEADER") and self.rng.random() < 0.4
        height = 0.0
        if header:
            height = self.u(1.9, 2.4)
            if self.rng.random() < 0.35:  # an opponent wins the header
                receiver = self.nearest(self.outfield(1 - team), target, homes)
        return self.kick_air(q, t, receiver, (target[0], target[1], height), duration, label)

    def cross(self, q: int, t: float, header: bool | None = None, label: str = "CROSS") -> State:
        team = team_of(q)
        bx, by, _ = self.ball()
        homes = self.homes()
        target = _world(team, self.u(92.0, 99.5), CENTRE[1] + self.u(-8.0, 8.0))
        dist = math.hypot(target[0] - bx, target[1] - by)
        duration = float(np.clip(dist / self.u(17.0, 22.0), 0.9, 1.8))
        if header is None and self.director.want == "HEADER":
            header = True
        outcomes = ["header", "keeper", "ground"] + (["out"] if self.director.under("OUT") else [])
        probs = np.array([0.55, 0.2, 0.15, 0.1][: len(outcomes)])
        outcome = "header" if header else str(self.rng.choice(outcomes, p=probs / probs.sum()))
        if outcome == "header":
            attackers = self.outfield(team, (q,))
            pool = attackers if self.rng.random() < 0.65 else self.outfield(1 - team)
            receiver = self.nearest(pool, target, homes)
            return self.kick_air(q, t, receiver, (target[0], target[1], self.u(1.9, 2.4)), duration, label)
        if outcome == "ground":
            receiver = self.nearest(self.outfield(team, (q,)), target, homes)
            return self.kick_air(q, t, receiver, (target[0], target[1], 0.0), duration, label)
        if outcome == "keeper":
            keeper = keeper_of(1 - team)
            catch = _world(team, self.u(100.0, 102.5), CENTRE[1] + self.u(-4.0, 4.0))
            self.kick_air(q, t, keeper, (catch[0], catch[1], self.u(1.8, 2.3)), duration, label)
            return self.keeper_holds(keeper, t + duration)
        # overhit: over everyone and out over the goal line
        gx = attacked_goal_x(team)
        beyond = _world(team, LENGTH + 3.0, CENTRE[1] + self.u(-14.0, 14.0))
        return self.fly_out(q, t, (beyond[0], beyond[1], 0.8), duration * 1.3, label, goal_x=gx)

    def fly_out(
        self, q: int, t: float, end: tuple[float, float, float], duration: float, label: str, goal_x: float
    ) -> Restart:
        """A lofted ball that leaves play over the goal line at x = goal_x."""
        bx, by, bz = self.ball()
        flight = self.add(fly_to(t, (bx, by, bz), end, duration))
        self.anchor(q, t, bx, by)
        self.event(label, t, team_of(q), q)
        crossing = t + duration * (goal_x - bx) / (end[0] - bx)
        self.event("OUT", crossing, team_of(q))
        return self.after_out(flight, crossing, team_of(q))

    def after_out(self, segment: Segment, crossing: float, last_team: int) -> Restart:
        """The ball runs on over the line, play stops, and the right restart follows a cut."""
        cut = crossing + self.u(1.3, 2.0)
        self.segments[-1] = with_end(segment, cut)
        x, y, _ = position_at(segment, crossing)
        if 0.5 < x < LENGTH - 0.5:
            return Restart("throw_in", 1 - last_team, (float(x), 0.0 if y < CENTRE[1] else WIDTH), cut)
        defending = 0 if x < CENTRE[0] else 1
        if last_team == defending:
            return Restart("corner", 1 - defending, (float(x), 0.0 if y < CENTRE[1] else WIDTH), cut)
        return Restart("goal_kick", defending, (float(x), float(y)), cut)

    def pass_out(self, q: int, t: float) -> Restart:
        """A misplaced pass that rolls out over the nearer touchline."""
        team = team_of(q)
        bx, by, _ = self.ball()
        line_y = 0.0 if by < CENTRE[1] else WIDTH
        to_line = (0.0, -1.0) if line_y == 0.0 else (0.0, 1.0)
        across = abs(line_y - by)
        angle = self.u(math.radians(35), math.radians(75))
        if across / math.sin(angle) < 6.0:
            angle = math.asin(min(1.0, across / 6.0))
        ax, _ = _attack_dir(team)
        direction = (ax * math.cos(angle), to_line[1] * math.sin(angle))
        reach, _ = line_crossing((bx, by), direction)
        if not self.director.under("PASS") and self.director.under("HIGH PASS") and reach > 12.0:
            duration = self.u(1.3, 2.0) * (reach + 4.0) / reach
            end = (bx + direction[0] * (reach + 4.0), by + direction[1] * (reach + 4.0), 0.0)
            flight = self.add(fly_to(t, (bx, by, 0.0), end, duration))
            self.anchor(q, t, bx - direction[0] * 0.5, by - direction[1] * 0.5)
            self.event("HIGH PASS", t, team, q)
            crossing = t + duration * reach / (reach + 4.0)
            self.event("OUT", crossing, team)
            return self.after_out(flight, crossing, team)
        speed = self.u(10.0, 14.0)
        speed = max(speed, math.sqrt(2 * ROLL_DECELERATION * (reach + 4.0)))
        crossing = t + time_to_cover(reach, speed, ROLL_DECELERATION)
        roll = self.add(Roll(t, crossing, (bx, by), direction, speed))
        self.anchor(q, t, bx - direction[0] * 0.5, by - direction[1] * 0.5)
        self.event("PASS", t, team, q)
        self.event("OUT", crossing, team)
        return self.after_out(roll, crossing, team)

    def pass_blocked(self, s: AtFeet) -> State:
        """A ground pass that an opponent blocks with his body halfway."""
        q, t, team = s.player, s.t, team_of(s.player)
        bx, by, _ = self.ball()
        homes = self.homes()
        mates = [p for p in self.outfield(team, (q,)) if 15.0 <= math.hypot(*(homes[p] - (bx, by))) <= 32.0]
        if not mates:
            return self.build_pass(s)
        receiver = mates[int(self.rng.integers(len(mates)))]
        direction, dist = unit(homes[receiver, 0] - bx, homes[receiver, 1] - by)
        speed = self.u(11.0, 15.0)
        reach = max(7.0, dist * self.u(0.45, 0.65))
        contact_t = t + time_to_cover(reach, speed, ROLL_DECELERATION)
        contact = (bx + direction[0] * reach, by + direction[1] * reach)
        self.add(Roll(t, contact_t, (bx, by), direction, speed))
        self.anchor(q, t, bx - direction[0] * 0.5, by - direction[1] * 0.5)
        self.event("PASS", t, team, q)
        blocker = self.nearest(self.outfield(1 - team), contact, homes)
        return self.block(blocker, contact_t, (contact[0], contact[1], 0.0), direction)

    def block(
        self, blocker: int, t: float, contact: tuple[float, float, float], incoming: tuple[float, float]
    ) -> State:
        """The ball hits a body and bounces back, slow; whoever is nearest picks it up."""
        self.anchor(blocker, t, contact[0] + incoming[0] * 0.3, contact[1] + incoming[1] * 0.3)
        self.event("BALL PLAYER BLOCK", t, team_of(blocker), blocker)
        back = (-incoming[0], -incoming[1])
        direction = _rotate(back, self.u(-1.2, 1.2))
        return self.loose(team_of(blocker), t, contact, direction, self.u(3.0, 7.0))

    def challenge(self, q: int, t: float, foul: bool) -> State:
        """A dribble an opponent runs into: a tackle that wins the ball, or a foul and a free kick."""
        team = team_of(q)
        period = self.u(0.5, 0.6)
        touches = int(self.rng.integers(2, 4))
        contact_t = t + (touches - 0.5) * period
        feet = self.carry(q, t, touches, end_at=contact_t, period=period)
        seg = feet.carrying
        assert seg is not None
        cx, cy, _ = position_at(seg, contact_t)
        homes = self.homes()
        tackler = self.nearest(self.outfield(1 - team), (cx, cy), homes)
        ux, uy = seg.direction
        side = 1.0 if (homes[tackler, 0] - cx) * -uy + (homes[tackler, 1] - cy) * ux > 0 else -1.0
        perp = (-uy * side, ux * side)
        self.anchor(tackler, contact_t - 0.9, cx + perp[0] * 3.5 + ux * 2.0, cy + perp[1] * 3.5 + uy * 2.0)
        self.anchor(tackler, contact_t, cx + perp[0] * 0.5, cy + perp[1] * 0.5)
        fx, fy = seg.feet(contact_t)
        if not foul:
            self.event("PLAYER SUCCESSFUL TACKLE", contact_t, 1 - team, tackler)
            self.anchor(q, contact_t + 0.7, fx + ux * 0.8, fy + uy * 0.8)
            away, _ = unit(-perp[0] * 0.9 + _attack_dir(1 - team)[0] * 0.7, -perp[1] * 0.9)
            away = _rotate(away, self.u(-0.5, 0.5))
            return self.loose(1 - team, contact_t, (cx, cy, 0.0), away, self.u(4.5, 7.5), prefer=1 - team)
        # foul: both go down, the ball trickles on and stops, the referee stops play
        cut = contact_t + self.u(1.4, 2.0)
        self.add(Roll(contact_t, cut, (cx, cy), (ux, uy), self.u(1.5, 3.0)))
        for player, (px, py) in ((q, (fx, fy)), (tackler, (cx + perp[0] * 0.5, cy + perp[1] * 0.5))):
            self.anchor(player, cut - 0.05, px, py)
        spot = clamp_to_pitch(cx, cy, margin=2.0)
        if in_penalty_area(team, *spot):
            spot = (float(to_attack(team, 82.0)), spot[1])
        return Restart("free_kick", team, spot, cut)

    def loose(
        self,
        last_team: int,
        t: float,
        start: tuple[float, float, float],
        direction: tuple[float, float],
        speed: float,
        prefer: int | None = None,
    ) -> State:
        """A ball nobody controls: it rolls (after a short flight when off the ground) to the first taker,
        or out of play."""
        for _ in range(12):  # avoid crossing a line so soon after the touch that the two blur together
            reach, _ = line_crossing(start[:2], direction)
            if reach > speed * 0.4 + 0.5:
                break
            to_centre, _ = unit(CENTRE[0] - start[0], CENTRE[1] - start[1])
            direction = _rotate(direction, 0.4 * math.copysign(1.0, _signed_angle(direction, to_centre)))
        t0, x0, y0 = t, start[0], start[1]
        roll_speed, air = speed, 0.0
        flight = None
        if start[2] > 0.25:
            vz = self.u(0.5, 2.0)
            land = (vz + math.sqrt(vz * vz + 2 * GRAVITY * start[2])) / GRAVITY
            flight = Flight(t, t + land, start, (direction[0] * speed, direction[1] * speed, vz))
            air = speed * land
            t0, x0, y0 = t + land, start[0] + direction[0] * air, start[1] + direction[1] * air
            roll_speed = speed * 0.7
        stop = roll_speed**2 / (2 * ROLL_DECELERATION)
        rest = (x0 + direction[0] * stop, y0 + direction[1] * stop)
        homes = self.homes()
        team = prefer if prefer is not None and self.rng.random() < 0.75 else int(self.rng.integers(2))
        taker = self.nearest(self.outfield(team), rest, homes)
        along = (homes[taker, 0] - x0) * direction[0] + (homes[taker, 1] - y0) * direction[1]
        earliest = roll_speed * 0.45 - 0.5 * ROLL_DECELERATION * 0.45**2  # keep the pick-up apart in time
        meet = float(np.clip(along, min(max(1.5, earliest), stop * 0.6), stop * 0.85))
        reach, _ = line_crossing(start[:2], direction)
        if flight is not None and reach <= air:  # out of play in the air
            self.add(flight)
            crossing = t + reach / speed
            self.event("OUT", crossing, last_team)
            return self.after_out(flight, crossing, last_team)
        if flight is not None:
            self.add(flight)
        if reach < air + meet:  # out of play along the ground before anyone gets there
            crossing = t0 + time_to_cover(reach - air, roll_speed, ROLL_DECELERATION)
            roll = self.add(Roll(t0, crossing, (x0, y0), direction, roll_speed))
            self.event("OUT", crossing, last_team)
            return self.after_out(roll, crossing, last_team)
        meet_t = t0 + time_to_cover(meet, roll_speed, ROLL_DECELERATION)
        self.add(Roll(t0, meet_t, (x0, y0), direction, roll_speed))
        point = (x0 + direction[0] * meet, y0 + direction[1] * meet)
        v_end = roll_speed - ROLL_DECELERATION * (meet_t - t0)
        self.anchor(taker, meet_t, point[0] + direction[0] * 0.35, point[1] + direction[1] * 0.35)
        return Arrival(taker, meet_t, (point[0], point[1], 0.0), (direction[0] * v_end, direction[1] * v_end, 0.0))

    # ---- at goal ---------------------------------------------------------------------------------
    def shot_outcome(self, allow_block: bool = True) -> str:
        outcomes = {"save": 0.45, "wide": 0.25, "block": 0.2 if allow_block else 0.0, "goal": 0.1}
        label = {"wide": "OUT", "block": "BALL PLAYER BLOCK", "goal": "GOAL"}
        names = [o for o, p in outcomes.items() if p > 0 and (o not in label or self.director.under(label[o]))]
        probs = np.array([outcomes[o] for o in names])
        return str(self.rng.choice(names, p=probs / probs.sum()))

    def shot(
        self,
        q: int,
        t: float,
        outcome: str | None = None,
        label: str | None = "SHOT",
        speed: float | None = None,
        blocker: int | None = None,
    ) -> State:
        """A strike at goal (a shot, a free kick, or a header when `label` is None) and what follows."""
        team = team_of(q)
        bx, by, bz = self.ball()
        header = label is None
        if outcome is None:
            outcome = self.shot_outcome(allow_block=not header)
        speed = speed or (self.u(11.0, 15.0) if header else self.u(20.0, 26.0))
        gx = attacked_goal_x(team)
        homes = self.homes()
        self.anchor(q, t, bx, by)
        if label:
            self.event(label, t, team, q)
        if outcome == "block":
            aim = (gx, CENTRE[1] + self.u(-3.0, 3.0))
            direction, dist = unit(aim[0] - bx, aim[1] - by)
            reach = min(self.u(8.0, 10.0), dist - 2.0) if blocker is None else 9.15
            contact = (bx + direction[0] * reach, by + direction[1] * reach, self.u(0.3, 1.3))
            contact_t = t + reach / speed
            self.add(fly_to(t, (bx, by, bz), contact, contact_t - t))
            if blocker is None:
                blocker = self.nearest(self.outfield(1 - team), contact[:2], homes)
            return self.block(blocker, contact_t, contact, direction)
        if outcome == "wide":
            if self.rng.random() < 0.7:
                y_aim = CENTRE[1] + self.rng.choice([-1, 1]) * self.u(GOAL_HALF_WIDTH + 0.6, GOAL_HALF_WIDTH + 5.0)
                z_aim = self.u(0.2, 2.0)
            else:
                y_aim, z_aim = CENTRE[1] + self.u(-3.0, 3.0), self.u(2.8, 4.0)
        else:
            y_aim = CENTRE[1] + self.u(-GOAL_HALF_WIDTH + 0.4, GOAL_HALF_WIDTH - 0.4)
            z_aim = self.u(0.15, 2.0)
        dist = math.hypot(gx - bx, y_aim - by)
        duration = dist / speed
        keeper = keeper_of(1 - team)
        if outcome == "save":
            frac = (abs(gx - bx) - 0.7) / abs(gx - bx)
            catch = (bx + (gx - bx) * frac, by + (y_aim - by) * frac, self.u(0.3, 1.8))
            self.add(fly_to(t, (bx, by, bz), catch, duration * frac))
            self.anchor(keeper, t + duration * frac, catch[0], catch[1])
            return self.keeper_holds(keeper, t + duration * frac)
        flight = self.add(fly_to(t, (bx, by, bz), (gx, y_aim, z_aim), duration))
        crossing = t + duration
        if outcome == "wide":
            self.event("OUT", crossing, team)
            return self.after_out(flight, crossing, team)
        # goal: the keeper is beaten, the ball crosses the line and stops in the net
        dive = float(self.rng.choice([-1.0, 1.0])) * self.u(1.8, 2.8)
        self.anchor(keeper, crossing, gx - _attack_dir(team)[0] * 0.6, y_aim + dive)
        self.event("GOAL", crossing, team)
        direction, _ = unit(flight.velocity[0], flight.velocity[1])
        hold = self.u(2.2, 3.2)
        speed_in = math.hypot(*flight.velocity[:2])
        self.add(NetStop(crossing, crossing + hold, (gx, y_aim, z_aim), direction, speed_in, 1.7))
        self.anchor(q, crossing + hold, *clamp_to_pitch(bx + self.u(-8, 8), by + self.u(-8, 8), 3.0))
        return Restart("kickoff", 1 - team, CENTRE, crossing + hold)

    def keeper_holds(self, keeper: int, t: float) -> State:
        """The keeper has the ball in his hands, then throws it out or kicks it long."""
        x, y, _ = self.ball()
        hold = self.u(1.2, 2.2)
        self.add(Hold(t, t + hold, (x, y, 1.1)))
        self.anchor(keeper, t + hold, x, y)
        team = team_of(keeper)
        if self.director.under("HIGH PASS") and self.rng.random() < 0.6:
            return self.high_pass(keeper, t + hold)
        homes = self.homes()
        defenders = [p for p in self.outfield(team) if 10.0 <= math.hypot(*(homes[p] - (x, y))) <= 28.0]
        receiver = defenders[int(self.rng.integers(len(defenders)))] if defenders else team * PLAYERS_PER_TEAM + 2
        target = clamp_to_pitch(homes[receiver, 0], homes[receiver, 1], margin=2.0)
        dist = math.hypot(target[0] - x, target[1] - y)
        return self.kick_air(keeper, t + hold, receiver, (target[0], target[1], 0.0), dist / self.u(10.0, 14.0), "PASS")

    def header(self, a: Arrival) -> State:
        q, team = a.player, team_of(a.player)
        x, y, z = a.pos
        self.anchor(q, a.t, x, y)
        self.event("HEADER", a.t, team, q)
        homes = self.homes()
        if in_penalty_area(team, x, y) and to_attack(team, x) <= LENGTH - 5.0 and self.rng.random() < 0.75:
            return self.shot(q, a.t, label=None)
        if self.rng.random() < 0.55:
            mates = [p for p in self.outfield(team, (q,)) if 7.0 <= math.hypot(*(homes[p] - (x, y))) <= 18.0]
            if mates:
                receiver = mates[int(self.rng.integers(len(mates)))]
                target = clamp_to_pitch(homes[receiver, 0], homes[receiver, 1], margin=2.0)
                dist = math.hypot(target[0] - x, target[1] - y)
                return self.kick_air(q, a.t, receiver, (target[0], target[1], 0.0), dist / self.u(8.0, 12.0), None)
        away = _rotate(_attack_dir(team), self.u(-1.0, 1.0))
        return self.loose(team, a.t, (x, y, z), away, self.u(8.0, 12.0))

    # ---- dead balls ------------------------------------------------------------------------------
    def restart(self, r: Restart) -> State:
        if r.t > 0:
            self.cuts.append(r.t)
        return getattr(self, r.kind)(r)

    def setup(self, r: Restart, spot: tuple[float, float, float], hold: float) -> float:
        """Hold the ball still at the restart spot; returns the instant of the kick."""
        self.add(Hold(r.t, r.t + hold, spot))
        return r.t + hold

    def kickoff(self, r: Restart) -> State:
        team = r.team
        hold = self.u(0.55, 1.0) if r.t == 0 else self.u(1.4, 2.2)
        kick_t = self.setup(r, (CENTRE[0], CENTRE[1], 0.0), hold)
        homes = home_positions(np.array([CENTRE[0]]), np.array([CENTRE[1]]))[0]
        for p in range(2 * PLAYERS_PER_TEAM):
            px = min(homes[p, 0], CENTRE[0] - 1.5) if team_of(p) == 0 else max(homes[p, 0], CENTRE[0] + 1.5)
            for t in (r.t, kick_t):
                self.anchor(p, t, px, homes[p, 1])
        kicker = team * PLAYERS_PER_TEAM + 9
        receiver = team * PLAYERS_PER_TEAM + int(self.rng.choice([6, 7]))
        back = -_attack_dir(team)[0]
        target = (CENTRE[0] + back * self.u(9.0, 14.0), CENTRE[1] + self.u(-9.0, 9.0))
        self.anchor(kicker, r.t, CENTRE[0] + back * 0.5, CENTRE[1] + 0.4)
        return self.kick_ground(kicker, kick_t, receiver, target, "PASS")

    def throw_in(self, r: Restart) -> State:
        team = r.team
        x = float(np.clip(r.spot[0], 3.0, LENGTH - 3.0))
        line_y = r.spot[1]
        y_out = -0.4 if line_y == 0.0 else WIDTH + 0.4
        kick_t = self.setup(r, (x, y_out, 2.25), self.u(1.3, 2.3))
        homes = self.homes()
        thrower = self.nearest(self.outfield(team), (x, line_y), homes)
        for t in (r.t, kick_t):
            self.anchor(thrower, t, x, y_out)
        inward = 1.0 if line_y == 0.0 else -1.0
        target = clamp_to_pitch(x + self.u(-8.0, 8.0) + _attack_dir(team)[0] * 3, line_y + inward * self.u(6.0, 13.0))
        receiver = self.nearest(self.outfield(team, (thrower,)), target, homes)
        height = self.u(1.9, 2.3) if self.director.under("HEADER") and self.rng.random() < 0.25 else 0.0
        arrival = self.kick_air(thrower, kick_t, receiver, (target[0], target[1], height), self.u(0.8, 1.2), "THROW IN")
        self.anchor(thrower, kick_t + 1.0, x, line_y + inward * 1.5)
        return arrival

    def free_kick(self, r: Restart) -> State:
        team = r.team
        spot = r.spot
        kick_t = self.setup(r, (spot[0], spot[1], 0.0), self.u(2.0, 3.0))
        homes = self.homes()
        gx = attacked_goal_x(team)
        to_goal, goal_dist = unit(gx - spot[0], CENTRE[1] - spot[1])
        kicker = self.nearest(self.outfield(team), spot, homes)
        ax = to_attack(team, spot[0])
        central = abs(spot[1] - CENTRE[1]) < 18.0
        kind = "shot" if goal_dist < 30.0 and central else ("cross" if ax > 64.0 else "pass")
        wall: list[int] = []
        if goal_dist < 35.0:
            centre = (spot[0] + to_goal[0] * 9.15, spot[1] + to_goal[1] * 9.15)
            pool = self.outfield(1 - team)
            for k in range(4):
                member = self.nearest([p for p in pool if p not in wall], centre, homes)
                wall.append(member)
                offset = (k - 1.5) * 0.75
                wx, wy = centre[0] - to_goal[1] * offset, centre[1] + to_goal[0] * offset
                for t in (r.t, kick_t + 0.3):
                    self.anchor(member, t, wx, wy)
        aim = to_goal if kind != "pass" else _attack_dir(team)
        self.anchor(kicker, r.t, spot[0] - aim[0] * 3.0, spot[1] - aim[1] * 3.0)
        self.anchor(kicker, kick_t - 0.75, spot[0] - aim[0] * 3.0, spot[1] - aim[1] * 3.0)
        if kind == "shot":
            outcome = self.shot_outcome()
            blocker = wall[int(self.rng.integers(len(wall)))] if outcome == "block" and wall else None
            if outcome == "block" and blocker is None:
                outcome = "save"
            return self.shot(kicker, kick_t, outcome=outcome, label="FREE KICK", blocker=blocker)
        if kind == "cross":
            return self.cross(kicker, kick_t, label="FREE KICK")
        if self.rng.random() < 0.5:
            return self.high_pass(kicker, kick_t, label="FREE KICK")
        return self.build_pass(AtFeet(kicker, kick_t), label="FREE KICK")

    def goal_kick(self, r: Restart) -> State:
        team = r.team
        spot = _world(team, 5.5, CENTRE[1] + self.u(-5.0, 5.0))
        kick_t = self.setup(r, (spot[0], spot[1], 0.0), self.u(1.6, 2.6))
        keeper = keeper_of(team)
        for t in (r.t, kick_t - 0.6):
            self.anchor(keeper, t, spot[0] - _attack_dir(team)[0] * 2.5, spot[1])
        if self.director.under("HIGH PASS") or self.rng.random() < 0.4:
            return self.high_pass(keeper, kick_t)
        return self.build_pass(AtFeet(keeper, kick_t))

    def corner(self, r: Restart) -> State:
        team = r.team
        spot = _world(team, LENGTH - 0.6, 0.6 if r.spot[1] == 0.0 else WIDTH - 0.6)
        kick_t = self.setup(r, (spot[0], spot[1], 0.0), self.u(1.8, 2.6))
        homes = self.homes()
        kicker = self.nearest(self.outfield(team), spot, homes)
        self.anchor(kicker, r.t, spot[0] - _attack_dir(team)[0] * 2.0, spot[1])
        for k, side in enumerate((team, team, team, 1 - team, 1 - team, 1 - team)):
            box = _world(team, self.u(93.0, 100.0), CENTRE[1] + (k % 3 - 1) * 5.0 + self.u(-1.5, 1.5))
            member = self.nearest(self.outfield(side, (kicker,)), box, homes)
            for t in (r.t, kick_t):
                self.anchor(member, t, *box)
        return self.cross(kicker, kick_t)


def simulate_match(seed: np.random.SeedSequence | int, minutes: float, balanced: bool = False) -> Match:
    """Play a match `minutes` long; the same seed gives the same match, frame for frame."""
    if not isinstance(seed, np.random.SeedSequence) and not (is_whole(seed) and seed >= 0):
        raise BallspotError(f"seed must be a whole number >= 0 (or a numpy SeedSequence), got {seed!r}")
    if not is_number(minutes) or not 0 < minutes <= MAX_MINUTES:
        raise BallspotError(f"minutes must be above 0 and at most {MAX_MINUTES:g}, got {minutes!r}")
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    play_seq, crowd_seq, style_seq = seq.spawn(3)
    rng = np.random.default_rng(play_seq)
    n_frames = max(1, int(round(minutes * 60 * FPS)))
    duration = n_frames / FPS
    play = _Play(rng, duration, balanced)
    play.run()
    times = np.arange(n_frames) / FPS
    ball = sample_path(play.segments, times)
    cut_frames = sorted({int(math.ceil(c * FPS - 1e-9)) for c in play.cuts if c * FPS < n_frames} | {0})
    players = player_tracks(np.random.default_rng(crowd_seq), ball, play.anchors, cut_frames, FPS)
    yaw, tilt = camera.camera_path(ball, cut_frames, FPS)
    events = []
    for e in sorted(play.events, key=lambda e: e.time):
        if e.time >= duration - 1.0 / FPS:
            continue
        k = int(FPS * e.position_ms / 1000)
        seen = camera.in_view(float(yaw[k]), float(tilt[k]), tuple(ball[k]))
        events.append(Event(e.label, e.time, e.team, e.player, "visible" if seen else "not shown"))
    return Match(
        fps=FPS,
        ball=ball,
        players=players,
        yaw=yaw,
        tilt=tilt,
        cuts=tuple(cut_frames),
        events=tuple(events),
        style_seed=int(np.random.default_rng(style_seq).integers(2**31)),
    )
