// examples/react-native/src/App.tsx: a task list with an offline banner, pending badges and
// refusal notices, on @syncline/react's hooks (its DOM components are for the web).
import {
  defaultOfflineMessages,
  defaultPendingMessages,
  SynclineProvider,
  useOnline,
  usePending,
  useQuery,
  useRejections,
} from '@syncline/react';
import type { BackgroundSyncRecord } from '@syncline/react-native';
import { useEffect, useState } from 'react';
import { FlatList, Pressable, SafeAreaView, StyleSheet, Text, TextInput, View } from 'react-native';
import BackgroundFetch from 'react-native-background-fetch';
import { ME, syncline } from './native';
import { type Client, defaultListId, startSyncline } from './syncline';

export function App() {
  const s = syncline();
  const [listId, setListId] = useState<string | null>(null);
  useEffect(() => {
    void startSyncline(s, BackgroundFetch).then(() => defaultListId(s.client, ME).then(setListId));
  }, [s]);
  return (
    <SynclineProvider client={s.client}>
      <SafeAreaView style={styles.screen}>
        <OfflineBanner />
        <Refusals />
        {listId && <Tasks client={s.client} listId={listId} />}
        <LastBackgroundSync />
      </SafeAreaView>
    </SynclineProvider>
  );
}

function OfflineBanner() {
  const online = useOnline();
  if (online) return null;
  return (
    <Text accessibilityRole="alert" style={styles.banner}>
      {defaultOfflineMessages.offline}
    </Text>
  );
}

function Refusals() {
  const { rejections, dismiss } = useRejections();
  return rejections.map((r) => (
    <Pressable key={r.key} onPress={() => void dismiss(r.key)} style={styles.refusal}>
      <Text>{r.message} (tap to dismiss)</Text>
    </Pressable>
  ));
}

function Tasks({ client, listId }: { client: Client; listId: string }) {
  const { data } = useQuery(client.db.tasks, { where: { listId }, orderBy: [['title', 'asc']] });
  const [title, setTitle] = useState('');
  const add = () => {
    if (!title.trim()) return;
    void client.db.tasks.insert({ listId, title: title.trim() });
    setTitle('');
  };
  return (
    <View style={styles.list}>
      <TextInput value={title} onChangeText={setTitle} onSubmitEditing={add} placeholder="New task" />
      <FlatList
        data={data ?? []}
        keyExtractor={(t) => t.id}
        renderItem={({ item }) => (
          <Pressable
            onPress={() => void client.db.tasks.update(item.id, { done: !item.done })}
            style={styles.row}
          >
            <Text style={item.done ? styles.done : undefined}>{item.title}</Text>
            <PendingBadge id={item.id} />
          </Pressable>
        )}
      />
    </View>
  );
}

/** "Not synced yet" while the server has not acknowledged the task's last change. */
function PendingBadge({ id }: { id: string }) {
  const pending = usePending(id, 'tasks');
  if (!pending) return null;
  return <Text style={styles.badge}>{defaultPendingMessages.pending}</Text>;
}

function LastBackgroundSync() {
  const { background } = syncline();
  const [last, setLast] = useState<BackgroundSyncRecord | null>(background.last);
  useEffect(() => background.subscribe(setLast), [background]);
  if (!last) return null;
  return (
    <Text style={styles.footer}>
      Last background sync {new Date(last.finishedAt).toLocaleTimeString()}: {last.outcome}
    </Text>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1 },
  banner: { backgroundColor: '#fde68a', padding: 8 },
  refusal: { backgroundColor: '#fecaca', padding: 8 },
  list: { flex: 1, padding: 12 },
  row: { flexDirection: 'row', justifyContent: 'space-between', paddingVertical: 8 },
  done: { textDecorationLine: 'line-through' },
  badge: { color: '#6b7280', fontSize: 12 },
  footer: { color: '#6b7280', fontSize: 12, padding: 8 },
});
