CREATE OR REPLACE FUNCTION public.vendor_float_reserve(p_demands jsonb, p_async boolean)
 RETURNS jsonb
 LANGUAGE plpgsql
AS $function$
    declare
      v_float record;
      v_demand record;
      v_key text;
      v_amount bigint;
      v_id uuid;
      v_left jsonb := '{}';
      v_taken jsonb := '{}';
      v_covered jsonb := '[]';
      v_reservations jsonb := '[]';
    begin
      -- The floats the demands draw on that have a balance, locked in one order everywhere (so two
      -- batches never wait for each other's second lock). Without a balance read there is nothing to check.
      for v_float in
        select distinct d.book, d.currency from jsonb_to_recordset(p_demands) as d(book text, currency text)
        join vendor_float f on f.book = d.book and f.currency = d.currency
        order by d.book, d.currency
      loop
        -- Nothing here needs a flush of its own: the intake's commit, later in the WAL, makes it durable.
        if p_async then perform set_config('synchronous_commit', 'off', true); end if;
        perform pg_advisory_xact_lock(hashtextextended('vendor-float:' || v_float.book || ':' || v_float.currency, 0));
        select f.balance_minor
          - coalesce((select sum(h.held_minor) from vendor_float_held h where h.book = f.book and h.currency = f.currency), 0)
          - coalesce((select sum(o.vendor_cost_minor) from orders o
              where o.float_book = f.book and o.vendor_cost_currency = f.currency and o.vendor_bought_at > f.requested_at), 0)
          - coalesce((select sum(r.amount_minor) from vendor_float_reservations r
              where r.book = f.book and r.currency = f.currency and r.created_at > now() - interval '5 minutes'), 0)
        into v_amount
        from vendor_float f where f.book = v_float.book and f.currency = v_float.currency;
        v_left := v_left || jsonb_build_object(v_float.book || ':' || v_float.currency, v_amount);
      end loop;
      -- Each demand in order: covered while the float lasts; a refused one takes nothing.
      for v_demand in
        select e.value ->> 'book' as book, e.value ->> 'currency' as currency, (e.value ->> 'amount')::bigint as amount
        from jsonb_array_elements(p_demands) with ordinality as e(value, n)
        order by e.n
      loop
        v_key := v_demand.book || ':' || v_demand.currency;
        if not v_left ? v_key then
          v_covered := v_covered || 'true'::jsonb;
        elsif (v_left ->> v_key)::bigint >= v_demand.amount then
          v_left := jsonb_set(v_left, array[v_key], to_jsonb((v_left ->> v_key)::bigint - v_demand.amount));
          v_taken := jsonb_set(v_taken, array[v_key], to_jsonb(coalesce((v_taken ->> v_key)::bigint, 0) + v_demand.amount));
          v_covered := v_covered || 'true'::jsonb;
        else
          v_covered := v_covered || 'false'::jsonb;
        end if;
      end loop;
      for v_key, v_amount in select t.key, t.value::bigint from jsonb_each_text(v_taken) t where t.value::bigint > 0 loop
        insert into vendor_float_reservations (book, currency, amount_minor)
        values (split_part(v_key, ':', 1), split_part(v_key, ':', 2), v_amount)
        returning id into v_id;
        v_reservations := v_reservations || to_jsonb(v_id);
      end loop;
      return jsonb_build_object('covered', v_covered, 'reservations', v_reservations);
    end
    $function$;
