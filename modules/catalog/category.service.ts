import type { EntityManager } from '@mikro-orm/postgresql'
import { lockForTransaction } from '../../plugins/db/advisory-lock.js'
import { isUuid } from '../../openapi/shared.schemas.js'
import { Category as CategoryEntity } from './category.entity.js'
import { Product } from './product.entity.js'
import type { CategoryRef } from './catalog.schemas.js'
import type { Category, CategoryNode, CreateCategoryRequest, UpdateCategoryRequest } from './category.schemas.js'
import { availableSlug, slugFrom } from './slugs.js'
import { refreshSearchDocuments } from './product-index.repository.js'
import { categoryCycle, categoryNotEmpty, moveToItself, notFound, slugTaken } from './catalog.errors.js'

/** The tree's shape, read in one query: categories are few, and every answer about them needs the whole tree. */
class CategoryTree {
  readonly byId: Map<string, CategoryEntity>
  readonly children = new Map<string | null, CategoryEntity[]>()

  constructor (categories: CategoryEntity[]) {
    this.byId = new Map(categories.map((category) => [category.id, category]))
    for (const category of categories) {
      const parentId = category.parent?.id ?? null
      this.children.set(parentId, [...(this.children.get(parentId) ?? []), category])
    }
  }

  ancestors (id: string): CategoryEntity[] {
    const path: CategoryEntity[] = []
    for (let parent = this.byId.get(id)?.parent?.id; parent !== undefined; parent = this.byId.get(parent)?.parent?.id) {
      const found = this.byId.get(parent)
      if (found === undefined || path.includes(found)) break
      path.unshift(found)
    }
    return path
  }

  /** The category and everything below it. */
  subtree (id: string): Set<string> {
    const found = new Set<string>()
    const pending = [id]
    while (pending.length > 0) {
      const next = pending.pop() as string
      if (found.has(next)) continue
      found.add(next)
      for (const child of this.children.get(next) ?? []) pending.push(child.id)
    }
    return found
  }
}

async function loadTree (em: EntityManager): Promise<CategoryTree> {
  return new CategoryTree(await em.find(CategoryEntity, {}, { orderBy: { position: 'asc', name: 'asc', id: 'asc' } }))
}

function toRef (category: CategoryEntity): CategoryRef {
  return { id: category.id, slug: category.slug, name: category.name }
}

function toCategory (category: CategoryEntity, tree: CategoryTree): Category {
  return {
    id: category.id,
    slug: category.slug,
    name: category.name,
    description: category.description ?? null,
    parentId: category.parent?.id ?? null,
    position: category.position,
    breadcrumbs: tree.ancestors(category.id).map(toRef),
    children: (tree.children.get(category.id) ?? []).map(toRef),
    createdAt: category.createdAt.toISOString(),
    updatedAt: category.updatedAt.toISOString()
  }
}

/** The breadcrumbs of a category: its ancestors, the root first, then the category itself. */
export async function categoryPath (em: EntityManager, categoryId: string): Promise<CategoryRef[]> {
  const tree = await loadTree(em)
  const category = tree.byId.get(categoryId)
  return category === undefined ? [] : [...tree.ancestors(categoryId), category].map(toRef)
}

/** The ids of a category (by id or slug) and all its subcategories, or null when there is no such category. */
export async function categoryAndDescendants (em: EntityManager, idOrSlug: string): Promise<string[] | null> {
  const tree = await loadTree(em)
  const category = isUuid(idOrSlug) ? tree.byId.get(idOrSlug) : [...tree.byId.values()].find((candidate) => candidate.slug === idOrSlug)
  return category === undefined ? null : [...tree.subtree(category.id)]
}

/** The ids of these categories and of everything below them, together (unknown ids add nothing). */
export async function categoriesAndDescendants (em: EntityManager, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set()
  const tree = await loadTree(em)
  return new Set(ids.filter((id) => tree.byId.has(id)).flatMap((id) => [...tree.subtree(id)]))
}

/**
 * Every category depth first, each with the number of products in its subtree: `ACTIVE` ones for the
 * storefront, any status for staff.
 */
export async function categoryTree (em: EntityManager, options: { activeOnly: boolean }): Promise<{ items: CategoryNode[] }> {
  const tree = await loadTree(em)
  const rows = await em.execute<Array<{ category_id: string, count: string }>>(
    `select category_id, count(*) from products where category_id is not null ${options.activeOnly ? "and status = 'ACTIVE'" : ''} group by category_id`)
  const own = new Map(rows.map((row) => [row.category_id, Number(row.count)]))
  const items: CategoryNode[] = []
  const visit = (category: CategoryEntity, depth: number): number => {
    const node: CategoryNode = {
      id: category.id,
      slug: category.slug,
      name: category.name,
      description: category.description ?? null,
      parentId: category.parent?.id ?? null,
      position: category.position,
      depth,
      productCount: own.get(category.id) ?? 0
    }
    items.push(node)
    for (const child of tree.children.get(category.id) ?? []) node.productCount += visit(child, depth + 1)
    return node.productCount
  }
  for (const root of tree.children.get(null) ?? []) visit(root, 0)
  return { items }
}

export async function getCategory (em: EntityManager, idOrSlug: string): Promise<Category> {
  const tree = await loadTree(em)
  const category = isUuid(idOrSlug) ? tree.byId.get(idOrSlug) : [...tree.byId.values()].find((candidate) => candidate.slug === idOrSlug)
  if (category === undefined) throw notFound()
  return toCategory(category, tree)
}

/** Serialises changes to the tree's shape, so that no two concurrent moves can make a cycle between them. */
async function lockTree (tx: EntityManager): Promise<CategoryTree> {
  await lockForTransaction(tx, 'category-tree')
  return await loadTree(tx)
}

async function claimSlug (tx: EntityManager, requested: string | undefined, name: string): Promise<string> {
  if (requested === undefined) return await availableSlug(tx, 'categories', slugFrom(name))
  if (await tx.count(CategoryEntity, { slug: requested }) > 0) throw slugTaken()
  return requested
}

function nextPosition (tree: CategoryTree, parentId: string | null): number {
  return Math.max(-1, ...(tree.children.get(parentId) ?? []).map((sibling) => sibling.position)) + 1
}

export async function createCategory (em: EntityManager, input: CreateCategoryRequest): Promise<Category> {
  return await em.transactional(async (tx) => {
    const tree = await lockTree(tx)
    const parentId = input.parentId ?? null
    if (parentId !== null && !tree.byId.has(parentId)) throw notFound()
    const category = tx.create(CategoryEntity, {
      name: input.name.trim(),
      slug: await claimSlug(tx, input.slug, input.name),
      description: input.description ?? null,
      parent: parentId,
      position: input.position ?? nextPosition(tree, parentId)
    })
    await tx.flush()
    return toCategory(category, await loadTree(tx))
  })
}

export async function updateCategory (em: EntityManager, id: string, input: UpdateCategoryRequest): Promise<Category> {
  return await em.transactional(async (tx) => {
    const tree = await lockTree(tx)
    const category = tree.byId.get(id)
    if (category === undefined) throw notFound()
    if (input.parentId !== undefined && input.parentId !== (category.parent?.id ?? null)) {
      if (input.parentId !== null && !tree.byId.has(input.parentId)) throw notFound()
      if (input.parentId !== null && tree.subtree(id).has(input.parentId)) throw categoryCycle()
      category.parent = input.parentId === null ? null : tx.getReference(CategoryEntity, input.parentId)
      if (input.position === undefined) category.position = nextPosition(tree, input.parentId)
    }
    if (input.slug !== undefined && input.slug !== category.slug) {
      if (await tx.count(CategoryEntity, { slug: input.slug }) > 0) throw slugTaken()
      category.slug = input.slug
    }
    const renamed = input.name !== undefined && input.name.trim() !== category.name
    if (input.name !== undefined) category.name = input.name.trim()
    if (input.description !== undefined) category.description = input.description
    if (input.position !== undefined) category.position = input.position
    await tx.flush()
    if (renamed) await refreshSearchDocuments(tx, { categoryId: id })
    return toCategory(category, await loadTree(tx))
  })
}

/**
 * Deletes a category. One that still has products or subcategories is refused unless `moveProductsTo`
 * names where its products go; its subcategories then move up to its parent.
 */
export async function deleteCategory (em: EntityManager, id: string, moveProductsTo?: string): Promise<void> {
  await em.transactional(async (tx) => {
    const tree = await lockTree(tx)
    const category = tree.byId.get(id)
    if (category === undefined) throw notFound()
    const products = await tx.count(Product, { category: id })
    const children = tree.children.get(id) ?? []
    if ((products > 0 || children.length > 0) && moveProductsTo === undefined) throw categoryNotEmpty(products, children.length)
    if (moveProductsTo !== undefined) {
      if (moveProductsTo === id) throw moveToItself()
      if (!tree.byId.has(moveProductsTo)) throw notFound()
      await tx.nativeUpdate(Product, { category: id }, { category: moveProductsTo })
      await refreshSearchDocuments(tx, { categoryId: moveProductsTo })
    }
    for (const child of children) child.parent = category.parent ?? null
    await tx.flush()
    await tx.nativeDelete(CategoryEntity, { id })
  })
}
