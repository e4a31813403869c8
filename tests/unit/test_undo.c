/* Undo history: grouping of drags and bursts, >= 100 steps, exact restore, no self-recording. */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "sessions/undo.h"
#include "tests/support/check_main.h"

#define MS 1000

static uint32_t bits(float f)
{
	union { float f; uint32_t u; } v = { .f = f };
	return v.u;
}

/* A fader drag: n moves `every_ms` apart, the watcher polling every 50 ms. */
static int64_t drag(undo_history *u, lathe_params *p, int id, float from, float to, int n, int every_ms, int64_t t)
{
	int64_t next_poll = t;
	for (int k = 1; k <= n; k++) {
		param_set(p, id, from + (to - from) * k / n, NULL);
		t += every_ms * MS;
		while (next_poll <= t) {
			undo_poll(u, p, next_poll);
			next_poll += 50 * MS;
		}
	}
	return t;
}

static int64_t idle(undo_history *u, lathe_params *p, int ms, int64_t t)
{
	for (int k = 0; k < ms / 50; k++) {
		t += 50 * MS;
		undo_poll(u, p, t);
	}
	return t;
}

START_TEST(drag_is_one_step)
{
	lathe_params *p = params_new();
	undo_history *u = undo_new(p);
	int64_t t = 1000000;
	float g0 = param_get(p, P_INPUT_GAIN);
	/* 60 moves 20 ms apart = 1.2 s of dragging: longer than the grouping window, still one step */
	t = drag(u, p, P_INPUT_GAIN, g0, 7.25f, 60, 20, t);
	t = idle(u, p, 600, t);
	ck_assert_int_eq(undo_can_undo(u), 1);
	ck_assert_int_eq(undo_undo(u, p, t), 0);
	ck_assert_uint_eq(bits(param_get(p, P_INPUT_GAIN)), bits(g0));
	t = idle(u, p, 1000, t);
	ck_assert_int_eq(undo_can_undo(u), 0); /* the undo did not record itself */
	ck_assert_int_eq(undo_can_redo(u), 1);
	ck_assert_int_eq(undo_redo(u, p, t), 0);
	ck_assert_float_eq(param_get(p, P_INPUT_GAIN), 7.25f);
	ck_assert_int_eq(undo_can_redo(u), 0);
	ck_assert_int_eq(undo_can_undo(u), 1);
	undo_free(u);
	params_free(p);
}
END_TEST

START_TEST(pauses_and_other_controls_split_steps)
{
	lathe_params *p = params_new();
	undo_history *u = undo_new(p);
	int64_t t = 0;
	/* same control, 700 ms apart (> 500 ms): two steps */
	param_set(p, P_EQ_GAIN, 3, NULL);
	t = idle(u, p, 700, t);
	param_set(p, P_EQ_GAIN, 6, NULL);
	t = idle(u, p, 700, t);
	ck_assert_int_eq(undo_can_undo(u), 2);
	/* another control 100 ms after the first: a new step */
	param_set(p, P_EQ_FREQ, 200, NULL);
	t = idle(u, p, 100, t);
	param_set(p, P_EQ_Q, 2, NULL);
	t = idle(u, p, 700, t);
	ck_assert_int_eq(undo_can_undo(u), 4);
	/* a burst of 30 OSC messages on one control between two polls and over 300 ms: one step */
	for (int k = 0; k < 30; k++) {
		param_set(p, P_LIM_CEILING, -1 - k * 0.1f, NULL);
		if (k % 5 == 4)
			t = idle(u, p, 50, t);
	}
	t = idle(u, p, 700, t);
	ck_assert_int_eq(undo_can_undo(u), 5);
	/* undo in reverse order, each to the exact old value */
	ck_assert_int_eq(undo_undo(u, p, t), 0);
	ck_assert_float_eq(param_get(p, P_LIM_CEILING), -1);
	ck_assert_int_eq(undo_undo(u, p, t), 0);
	ck_assert_float_eq(param_get(p, P_EQ_Q), 0.707f);
	ck_assert_float_eq(param_get(p, P_EQ_FREQ), 200);
	ck_assert_int_eq(undo_undo(u, p, t), 0);
	ck_assert_float_eq(param_get(p, P_EQ_FREQ), 30);
	ck_assert_int_eq(undo_undo(u, p, t), 0);
	ck_assert_float_eq(param_get(p, P_EQ_GAIN), 3);
	ck_assert_int_eq(undo_undo(u, p, t), 0);
	ck_assert_float_eq(param_get(p, P_EQ_GAIN), 0);
	ck_assert_int_eq(undo_undo(u, p, t), -1);
	/* a new change after undos drops the redo branch */
	ck_assert_int_eq(undo_can_redo(u), 5);
	param_set(p, P_OUTPUT_GAIN, -2, NULL);
	t = idle(u, p, 700, t);
	ck_assert_int_eq(undo_can_redo(u), 0);
	ck_assert_int_eq(undo_can_undo(u), 1);
	undo_free(u);
	params_free(p);
}
END_TEST

START_TEST(bulk_change_is_one_step_and_restores_every_bit)
{
	lathe_params *p = params_new(), *other = params_new(), *before = params_new();
	GRand *r = g_rand_new_with_seed(3);
	for (int i = 0; i < P_COUNT; i++) {
		const param_info *pi = param_info_get(i);
		param_set(other, i, (float)g_rand_double_range(r, pi->min, pi->max), NULL);
	}
	params_copy(before, p);
	undo_history *u = undo_new(p);
	int64_t t = idle(u, p, 100, 0);
	params_copy(p, other); /* like a session load */
	t = idle(u, p, 700, t);
	ck_assert_int_eq(undo_can_undo(u), 1);
	ck_assert_int_eq(undo_undo(u, p, t), 0);
	for (int i = 0; i < P_COUNT; i++) {
		if (undo_param_recorded(i))
			ck_assert_msg(bits(param_get(p, i)) == bits(param_get(before, i)), "%s", param_info_get(i)->path);
		else /* the monitor section is not undone */
			ck_assert_uint_eq(bits(param_get(p, i)), bits(param_get(other, i)));
	}
	ck_assert(!undo_param_recorded(P_MON_LEVEL));
	ck_assert(undo_param_recorded(P_LIM_CEILING));
	g_rand_free(r);
	undo_free(u);
	params_free(p);
	params_free(other);
	params_free(before);
}
END_TEST

START_TEST(hundreds_of_steps)
{
	lathe_params *p = params_new();
	undo_history *u = undo_new(p);
	int64_t t = 0;
	/* 300 separate steps (alternating controls so each is its own step); the history keeps the last 256 */
	for (int k = 1; k <= 300; k++) {
		param_set(p, (k & 1) ? P_INPUT_GAIN : P_OUTPUT_GAIN, (float)(k % 40) * 0.5f - 10, NULL);
		t = idle(u, p, 100, t);
	}
	t = idle(u, p, 600, t);
	ck_assert_int_eq(undo_can_undo(u), UNDO_MAX_STEPS);
	ck_assert_int_ge(UNDO_MAX_STEPS, 100);
	int undone = 0;
	while (undo_undo(u, p, t) == 0)
		undone++;
	ck_assert_int_eq(undone, UNDO_MAX_STEPS);
	/* after undoing 256 of 300: the state is the one after step 44 */
	ck_assert_float_eq(param_get(p, P_OUTPUT_GAIN), (float)(44 % 40) * 0.5f - 10);
	ck_assert_float_eq(param_get(p, P_INPUT_GAIN), (float)(43 % 40) * 0.5f - 10);
	int redone = 0;
	while (undo_redo(u, p, t) == 0)
		redone++;
	ck_assert_int_eq(redone, UNDO_MAX_STEPS);
	ck_assert_float_eq(param_get(p, P_OUTPUT_GAIN), (float)(300 % 40) * 0.5f - 10);
	undo_free(u);
	params_free(p);
}
END_TEST

START_TEST(move_and_back_is_no_step)
{
	lathe_params *p = params_new();
	undo_history *u = undo_new(p);
	int64_t t = 0;
	param_set(p, P_INPUT_GAIN, 4, NULL);
	t = idle(u, p, 100, t);
	param_set(p, P_INPUT_GAIN, 0, NULL);
	t = idle(u, p, 700, t);
	ck_assert_int_eq(undo_can_undo(u), 0);
	undo_free(u);
	params_free(p);
}
END_TEST

int main(void)
{
	params_init();
	Suite *s = suite_create("undo");
	TCase *tc = suite_add_case(s, "undo", 60, NULL, NULL);
	tcase_add_test(tc, drag_is_one_step);
	tcase_add_test(tc, pauses_and_other_controls_split_steps);
	tcase_add_test(tc, bulk_change_is_one_step_and_restores_every_bit);
	tcase_add_test(tc, hundreds_of_steps);
	tcase_add_test(tc, move_and_back_is_no_step);
	return run_suite(s);
}
